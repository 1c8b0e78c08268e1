"""The verdict on one case: passed or not, why, and which catalogued mistake the result matches."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..copying import fresh
from ..isolate import run_isolated, seed_everything
from ..protocol import RawResult
from ..registry import Case, Exercise
from .compare import Mismatch, _container_as_array, _to_numpy, compare


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
    closest: str | None = None  # the mistake much closer to the result than the reference (no exact match)
    notes: list[str] = field(default_factory=list)  # conventions not followed, at no cost


def expected_value(ex: Exercise, case: Case) -> Any:
    """The reference's result on a case (seeded: the same in every process)."""
    seed_everything(0)
    return ex.call(ex.reference, fresh(case))


# A mistake is the *closest* to a wrong result when the result is at most this share of its
# distance to the reference away from the mistake: much closer to the mistake than to the answer.
CLOSEST_RATIO = 0.1


def match_mistake(ex: Exercise, case: Case, expected: Any, received: Any, atol: float, rtol: float) -> str | None:
    """The name of the first catalogued mistake whose result on ``case`` is the student's (and wrong)."""
    return match_mistakes(ex, case, expected, received, atol, rtol)[0]


def match_mistakes(ex: Exercise, case: Case, expected: Any, received: Any, atol: float,
                   rtol: float) -> tuple[str | None, str | None]:
    """``(exact, closest)``: the first catalogued mistake whose result on ``case`` is the student's
    (and wrong); failing that, the one whose result is much closer to the student's than the
    reference is (see :func:`closest_mistake`), else ``None``."""
    wrong_results = []
    for mistake in ex.mistakes:
        outcome = run_isolated(lambda m=mistake: ex.call(m.fn, fresh(case)), time_limit=ex.time_limit)
        if outcome.error is not None:
            continue
        if compare(expected, outcome.value, atol, rtol) is None:
            continue  # right on this case: says nothing about the student's result
        if _kind(outcome.value) == _kind(received) and \
                compare(outcome.value, received, atol, rtol, strict=False) is None:
            return mistake.name, None
        wrong_results.append((mistake.name, outcome.value))
    return None, closest_mistake(expected, received, wrong_results)


def closest_mistake(expected: Any, received: Any, wrong_results: list[tuple[str, Any]]) -> str | None:
    """The mistake whose (wrong) result is nearest the student's, if it is much nearer than the
    reference: ``d(received, mistake) <= CLOSEST_RATIO * d(received, expected)`` with ``d`` the
    Euclidean distance over every number of the result. ``None`` when the result cannot be read
    as numbers of the expected structure, when it holds NaN or inf, or when it is all zeros."""
    if structure(received) != structure(expected):
        return None
    got, want = flatten(received), flatten(expected)
    if got is None or want is None or got.shape != want.shape or not np.isfinite(got).all():
        return None
    if not got.any():
        return None  # all zeros: a placeholder (nothing computed yet) resembles any mistake near 0
    to_reference = _distance(got, want)
    best, best_distance = None, np.inf
    for name, value in wrong_results:
        theirs = flatten(value) if structure(value) == structure(expected) else None
        if theirs is None or theirs.shape != got.shape or not np.isfinite(theirs).all():
            continue
        distance = _distance(got, theirs)
        if distance < best_distance:
            best, best_distance = name, distance
    if best is not None and 0 < to_reference < np.inf and best_distance <= CLOSEST_RATIO * to_reference:
        return best
    return None


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Euclidean distance, ``inf`` when it overflows (never a warning)."""
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(np.max(np.abs(a - b), initial=0.0))
        if scale == 0 or not np.isfinite(scale):
            return scale
        return float(scale * np.linalg.norm((a - b) / scale))


def structure(value: Any) -> Any:
    """The shape of a result's nesting: dict keys and sequence lengths (leaves are ``None``)."""
    if isinstance(value, dict):
        return tuple((str(k), structure(value[k])) for k in sorted(value, key=str))
    if isinstance(value, (list, tuple)):
        return tuple(structure(v) for v in value)
    return None


def flatten(value: Any) -> np.ndarray | None:
    """Every number of a result (arrays, numbers, lists, tuples, dicts by sorted key) in one float64
    vector, ``None`` if some part is not numbers."""
    if isinstance(value, dict):
        parts = [flatten(value[k]) for k in sorted(value, key=str)]
    elif isinstance(value, (list, tuple)):
        parts = [flatten(v) for v in value]
    else:
        value = _to_numpy(value)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number, np.ndarray)):
            return None
        arr = np.asarray(value)
        return arr.astype(np.float64).ravel() if arr.dtype.kind in "biuf" else None
    if any(p is None for p in parts):
        return None
    return np.concatenate(parts) if parts else np.zeros(0)


def _kind(value: Any) -> str:
    """What sort of value this is, for telling a mistake's output from the student's (a list or
    tuple of numbers is the array it reads as: containers are judged by value)."""
    if isinstance(value, (list, tuple)):
        as_array = _container_as_array(value)
        value = as_array if as_array is not None else value
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
    mismatch = compare(expected, raw.value, atol, rtol, notes=result.notes)
    if mismatch is None:
        result.passed = True
        return result
    result.mismatch = mismatch
    result.problem = mismatch.describe()
    result.mistake, result.closest = match_mistakes(ex, case, expected, raw.value, atol, rtol)
    return result
