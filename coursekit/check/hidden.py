"""``grade`` in the grading kernel: run the hidden cases it is handed, publish what came back (issue 29).

While nbgrader autogrades in the sandbox, the grading kernel has the student package only: the
instructor package's files are out of its view, and ``coursegrader.grading`` (what the hidden tests
import) resolves to a stand-in whose ``grade`` is this one. Before each grade cell the grader writes
the cell's hidden cases and how to call each function (:mod:`coursegrader.grading.handoff`; inputs,
never an answer) to the file named by :data:`INPUTS_ENV`; ``grade`` runs the student's function on
each case under isolation (:func:`~.collect.collect`) and publishes the raw results
(:mod:`.payload`). Judging, scoring and the report happen in the grader's own process
(``VerifyGrades``), which replaces what this cell shows with the verified report and score.
"""
from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

from .collect import collect
from .payload import publish

INPUTS_ENV = "COURSEKIT_GRADING_INPUTS"  # the file the grader writes before each grade cell


class Pending:
    """What ``grade`` returns: the score is not known in the kernel. Sums of it (a cell grading
    several functions adds their ``grade`` calls) stay pending; nbgrader's partial credit is read from
    the verified score that replaces the cell's result."""

    def __add__(self, other: Any) -> Pending:
        return self

    __radd__ = __add__

    def __repr__(self) -> str:
        return "'graded outside the notebook'"


PENDING = Pending()


def handed(key: str) -> tuple[Any, list]:
    """``(task, hidden cases)`` of registry key ``key``, from the file the grader wrote."""
    path = os.environ.get(INPUTS_ENV)
    if not path:
        raise RuntimeError(f"no hidden cases were handed to this kernel ({INPUTS_ENV} is not set)")
    with open(path, "rb") as f:
        found = pickle.load(f)
    if key not in found:
        raise KeyError(f"no hidden cases were handed for {key!r}")
    return pickle.loads(found[key])


def grade(key: str, fn: Callable[..., Any]) -> Pending:
    """Run the hidden cases of ``key`` on ``fn`` and publish the results; prints one line."""
    try:
        task, cases = handed(key)
        raws = [collect(task, fn, case) for case in cases]
        publish(key, raws)
    except Exception as exc:  # a broken harness must not write to stderr or give points
        print(f"{key}: the grader could not run ({type(exc).__name__}: {exc}). 0 points; tell your instructor.")
        return PENDING
    print(f"{key}: {len(raws)} hidden cases run; the report is written when the notebook is graded.")
    return PENDING
