"""coursekit: the lesson kit of Optimization in Neural Networks, what a student's kernel needs.

Modules, one idea each: ``plotting``, ``widgets`` (explorers with a static fallback), ``claims``
(a lesson's statements about its experiments, asserted), ``runtime``, ``datasets``, ``functions``
(test functions), the helpers of single lessons (``race``, ``diagnostics``, ``transfer``), and
``check``: the visible checks, which compare a student's function with values stored when the course
was built. It holds no answer: the reference implementations, hidden cases and catalogued mistakes
are the instructor package's (``coursegrader``).
"""
from ._versions import warn_on_mismatch

__version__ = "0.2.0"

warn_on_mismatch()
