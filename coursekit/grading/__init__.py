"""The autograding harness shared by every lesson.

In a notebook::

    from coursekit.grading import check, grade
    check("rosenbrock", rosenbrock)   # visible: raises AssertionError with a precise message
    grade("rosenbrock", rosenbrock)   # hidden: prints a report, returns the points earned

Each lesson registers its exercises in ``coursekit.exercises.<lesson>``.
"""
from .compare import compare
from .exercise import Case, Exercise, Mistake, all_exercises, get_exercise, register
from .harness import check, evaluate, grade
from .runners import optimizer_steps

__all__ = ["Case", "Exercise", "Mistake", "all_exercises", "check", "compare", "evaluate",
           "get_exercise", "grade", "optimizer_steps", "register"]
