"""Grading bad input: a case whose label starts with ``BAD_INPUT`` passes when the function raises
``ValueError`` (not a lesson's catalogue; shared by the catalogues whose spec names bad input).

The harness compares returned values, so ``expect_value_error`` turns the outcome of such a case into
a value: ``RAISED`` when a ``ValueError`` was raised, a sentence saying what came back otherwise.
Any other exception propagates and is reported by the harness as usual (type, message, line).
Ordinary cases are run unchanged.
"""
from __future__ import annotations

from typing import Any, Callable

from coursekit.grading import Case
from coursekit.grading.compare import show

BAD_INPUT = "bad input"
RAISED = "raises ValueError"


def expect_value_error(run: Callable[[Callable, Case], Any] | None = None) -> Callable[[Callable, Case], Any]:
    """An ``Exercise.run`` that grades bad-input cases by the ValueError they must raise.

    ``run``: how ordinary cases are called (default ``fn(*args, **kwargs)``).
    """
    def call(fn: Callable, case: Case) -> Any:
        value_of = (lambda: run(fn, case)) if run is not None else (lambda: fn(*case.args, **case.kwargs))
        if not case.label.startswith(BAD_INPUT):
            return value_of()
        try:
            value = value_of()
        except ValueError:
            return RAISED
        return f"returned {show(value, 80)} instead of raising ValueError"
    return call
