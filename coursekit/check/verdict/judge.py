"""The verdict on one case: passed or not, why, and which catalogued mistake the result matches."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..collect import RawResult
from ..task import Case, Task
from .compare import Mismatch, compare, container_as_array, to_numpy


@dataclass
class CaseResult:
    """The verdict on one case. ``matches``: every catalogued mistake (by its name, the id within
    its exercise) whose result on this case is the student's; ``mistake``: the one the report names
    (chosen among ``matches`` over all the exercise's cases, see :func:`~.score.score`)."""

    case: Case
    passed: bool
    problem: str = ""
    expected: Any = None
    received: Any = None
    mismatch: Mismatch | None = None
    mistake: str | None = None
    matches: list[str] = field(default_factory=list)
    output: str = ""
    delegated: list[str] = field(default_factory=list)
    closest: str | None = None  # the mistake much closer to the result than the reference (no exact match)
    notes: list[str] = field(default_factory=list)  # conventions not followed, at no cost


# A mistake is the *closest* to a wrong result when the result is at most this share of its
# distance to the reference away from the mistake: much closer to the mistake than to the answer.
CLOSEST_RATIO = 0.1


def match_mistakes(expected: Any, received: Any, wrong_results: Sequence[tuple[str, Any]], atol: float,
                   rtol: float) -> tuple[list[str], str | None]:
    """``(exact, closest)`` for a wrong result: the names of every catalogued mistake whose result on
    the case (``wrong_results``: ``(name, result)`` of the mistakes that returned) is the student's,
    sorted; failing any, the one whose result is much closer to the student's than the reference
    is (see :func:`closest_mistake`), else ``None``. A mistake whose result is right on this case
    says nothing about the student's result and is left out. The order of ``wrong_results`` means
    nothing."""
    exact, wrong = [], []
    for name, value in wrong_results:
        if compare(expected, value, atol, rtol) is None:
            continue
        if _kind(value) == _kind(received) and compare(value, received, atol, rtol, strict=False) is None:
            exact.append(name)
        wrong.append((name, value))
    if exact:
        return sorted(exact), None
    return [], closest_mistake(expected, received, sorted(wrong, key=lambda nv: nv[0]))


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
        value = to_numpy(value)
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
        as_array = container_as_array(value)
        value = as_array if as_array is not None else value
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return "number"
    if isinstance(value, np.ndarray):
        return "number" if value.shape == () else f"ndarray {value.dtype}"
    return f"{type(value).__module__}.{type(value).__name__}"


def no_mistakes() -> Sequence[tuple[str, Any]]:
    return ()


def judge(task: Task, case: Case, raw: RawResult, expected: Any,
          wrong_results: Callable[[], Sequence[tuple[str, Any]]] = no_mistakes) -> CaseResult:
    """The verdict on one case from what the student's function produced, the answer ``expected``
    and, asked for only when the result is wrong, the catalogued mistakes' results on the case."""
    atol, rtol = task.tolerances(case)
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
    result.matches, result.closest = match_mistakes(expected, raw.value, wrong_results(), atol, rtol)
    return result
