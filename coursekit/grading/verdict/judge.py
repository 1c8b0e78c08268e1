"""The verdict on one case: passed or not, why, and which catalogued mistake the result matches."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..copying import fresh
from ..isolate import run_isolated, seed_everything
from ..protocol import RawResult
from ..registry import Case, Exercise
from .compare import Mismatch, compare


@dataclass
class CaseResult:
    """The verdict on one case. ``mistake`` is the name (the id within its exercise) of the
    catalogued :class:`~coursekit.grading.Mistake` the student's result matches, if any."""

    case: Case
    passed: bool
    problem: str = ""
    expected: Any = None
    received: Any = None
    mismatch: Mismatch | None = None
    mistake: str | None = None
    output: str = ""
    delegated: list[str] = field(default_factory=list)


def expected_value(ex: Exercise, case: Case) -> Any:
    """The reference's result on a case (seeded: the same in every process)."""
    seed_everything(0)
    return ex.call(ex.reference, fresh(case))


def match_mistake(ex: Exercise, case: Case, expected: Any, received: Any, atol: float, rtol: float) -> str | None:
    """The name of the first catalogued mistake whose result on ``case`` is the student's (and wrong)."""
    for mistake in ex.mistakes:
        outcome = run_isolated(lambda m=mistake: ex.call(m.fn, fresh(case)), time_limit=ex.time_limit)
        if outcome.error is not None:
            continue
        same_as_student = _kind(outcome.value) == _kind(received) and \
            compare(outcome.value, received, atol, rtol, strict=False) is None
        if same_as_student and compare(expected, outcome.value, atol, rtol) is not None:
            return mistake.name
    return None


def _kind(value: Any) -> str:
    """What sort of value this is, for telling a mistake's output from the student's."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return "number"
    if isinstance(value, np.ndarray):
        return "number" if value.shape == () else f"ndarray {value.dtype}"
    return f"{type(value).__module__}.{type(value).__name__}"


_NOTHING = object()


def judge(ex: Exercise, case: Case, raw: RawResult, expected: Any = _NOTHING) -> CaseResult:
    """The verdict on one case from what the student's function produced (``expected``: the
    reference's result if already known, see ``expected_value``)."""
    atol = ex.atol if case.atol is None else case.atol
    rtol = ex.rtol if case.rtol is None else case.rtol
    if expected is _NOTHING:
        expected = expected_value(ex, case)
    result = CaseResult(case, False, expected=expected, output=raw.output, delegated=list(raw.delegated))
    if raw.delegated:
        result.problem = ("calls " + ", ".join(raw.delegated) +
                          " instead of implementing the algorithm: that earns no credit")
        return result
    if raw.error is not None:
        result.problem = raw.error
        return result
    result.received = raw.value
    if raw.modified is not None:
        result.problem = (f"modified its input `{raw.modified}` in place; course functions return new "
                          f"values and leave their inputs unchanged (e.g. `x = x - lr * g`, "
                          f"not `x -= lr * g`; copy before you change an entry)")
        return result
    mismatch = compare(expected, raw.value, atol, rtol)
    if mismatch is None:
        result.passed = True
        return result
    result.mismatch = mismatch
    result.problem = mismatch.describe()
    result.mistake = match_mistake(ex, case, expected, raw.value, atol, rtol)
    return result
