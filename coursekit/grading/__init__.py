"""The autograding harness shared by every lesson.

In a notebook::

    from coursekit.grading import check, grade
    check("rosenbrock", rosenbrock)   # visible: raises AssertionError with a precise message
    grade("rosenbrock", rosenbrock)   # hidden: prints a report, returns the points earned

Each lesson registers its exercises in ``coursekit.exercises.<lesson>``. The package is split
along its trust boundary (docs/AUTHORING.md has the map):

- :mod:`.protocol`: the grade-cell format, cell ids and the results payload (the one contract);
- :mod:`.registry`: exercises, cases, mistakes, points; :mod:`.runners`: shared ways to call them;
- :mod:`.kernel`: what runs beside student code (isolation, publishing, ``check``/``grade``);
- :mod:`.verdict`: pure judging, scoring and reporting (never runs student code);
- :mod:`.autograde`: the nbgrader preprocessors and the sandboxed kernel (imports nbgrader).
"""
from .kernel.notebook import check, evaluate, grade
from .registry import Case, Exercise, Mistake, all_exercises, get_exercise, register, unregister
from .runners import optimizer_steps
from .verdict.compare import compare

__all__ = ["Case", "Exercise", "Mistake", "all_exercises", "check", "compare", "evaluate",
           "get_exercise", "grade", "optimizer_steps", "register", "unregister"]
