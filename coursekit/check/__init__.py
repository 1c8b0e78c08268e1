"""The visible checks: what runs beside a student's code in a student's own kernel.

In a notebook::

    from coursekit.check import check
    check("rosenbrock", rosenbrock)   # raises AssertionError with a precise message

- :mod:`.task`: what a graded function is to a student's kernel (visible cases, how to call it);
  :mod:`.tasks`: the tasks of each lesson; :mod:`.runners`: shared ways to call a function;
- :mod:`.collect`, :mod:`.isolate`, :mod:`.copying`: one call of student code under isolation;
- :mod:`.verdict`: pure judging, scoring and reporting (never runs any code);
- :mod:`.store`, :mod:`.wire`: the visible cases' answers, stored exactly when the course is built;
- :mod:`.visible`: ``check``.
"""
from .visible import check

__all__ = ["check"]
