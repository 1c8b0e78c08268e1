"""``grade`` with the course's answers at hand (:mod:`.grade`): runs each hidden case under isolation
(:mod:`coursekit.check.collect`), judges it, publishes the raw results for the grader (:mod:`.publish`)
and prints the verdict's report. It is what ``evaluate`` uses in the instructor's process, and what a
grading kernel runs when it imports the instructor package (``SafeExecute.answers_outside = False``, or
no sandbox); the sandboxed grading kernel runs :mod:`coursekit.check.hidden` instead and holds no answer.

Nothing computed here is trusted while autograding: the score that counts is recomputed from the
published results by :mod:`coursegrader.grading.autograde.verify`, in nbgrader's own process.
"""
