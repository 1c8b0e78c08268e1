"""coursegrader: the instructor's side of Optimization in Neural Networks.

Never installed where student code runs outside grading. ``reference`` holds the course's
implementation of every graded function, ``exercises`` one module per graded exercise (hidden cases,
catalogued mistakes, points), ``grading`` the autograder (nbgrader preprocessors, the sandboxed
kernel, the Dask cluster), ``reports`` what an instructor reads (class report, similarity, LMS exports).
It depends on the student package, :mod:`coursekit`.
"""
from coursekit._versions import warn_on_mismatch

from ._versions import PINNED

__version__ = "0.2.0"

warn_on_mismatch(PINNED, "coursegrader")
