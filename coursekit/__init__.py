"""coursekit: reference implementations and the grading harness of Optimization in Neural Networks.

Modules, one idea each: ``functions`` (test functions), ``gradients`` (lesson 01), ``plotting``,
``widgets``, ``runtime``; ``grading`` is the autograder, ``exercises`` its per-lesson catalogues.
"""
from ._versions import warn_on_mismatch

__version__ = "0.1.0"

warn_on_mismatch()
