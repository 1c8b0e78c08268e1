"""The course's implementation of every graded function (the answers: never shipped to students)."""
