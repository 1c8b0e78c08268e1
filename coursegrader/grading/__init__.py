"""The instructor's grading: exercises (the student-visible task plus reference, hidden cases,
catalogued mistakes and points), the registry that finds them, and the code that grades with them.

In a lesson's grade cell (hidden tests, run only while grading)::

    from coursegrader.grading import grade
    grade("rosenbrock", rosenbrock)   # prints a per-case report, returns the points earned

Each exercise lives in a module of its own, ``coursegrader.exercises.<lesson>.<exercise>``. The
package is split along its trust boundary (docs/AUTHORING.md has the map):

- :mod:`.exercise`, :mod:`.registry`: what an exercise is, and finding one by name;
- :mod:`.protocol`: the grade-cell format, cell ids and the results payload (the one contract);
- :mod:`.kernel`: what runs beside student code while grading (``grade``, publishing results);
- :mod:`.autograde`: the nbgrader preprocessors and the sandboxed kernel (imports nbgrader);
- :mod:`.cluster`: grading a class on Dask workers.

What runs beside student code in a student's own kernel, and the pure verdict, are the student
package's (:mod:`coursekit.check`).
"""
from coursekit.check.runners import optimizer_steps
from coursekit.check.task import Case, Task
from coursekit.check.verdict.compare import compare

from .exercise import Exercise, Mistake
from .kernel.grade import evaluate, grade
from .registry import all_exercises, get_exercise, register, unregister

__all__ = ["Case", "Exercise", "Mistake", "Task", "all_exercises", "compare", "evaluate",
           "get_exercise", "grade", "optimizer_steps", "register", "unregister"]
