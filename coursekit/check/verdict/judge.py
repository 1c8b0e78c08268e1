"""The verdict on one case: passed or not, why, and which catalogued mistake the result matches."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..collect import RawResult
from ..task import Case, Task
from .compare import Mismatch, compare, container_as_array
from .difference import Difference, describe


@dataclass
class CaseResult:
    """The verdict on one case. ``matches``: every catalogued mistake (by its name, the id within
    its exercise) whose result on this case is the student's; ``mistake``: the one the report names,
    set only when it gives the student's results on every case (see :func:`~.score.name_mistakes`);
    ``difference``: how a wrong value differs from the expected one (:mod:`.difference`)."""

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
    notes: list[str] = field(default_factory=list)  # conventions not followed, at no cost
    difference: Difference | None = None

    @property
    def wrong_value(self) -> bool:
        """Whether the function returned a value and it is wrong (not an error, a delegation or an
        input changed in place): the evidence a catalogued mistake must reproduce to be named."""
        return self.mismatch is not None


def reproduces(value: Any, received: Any, atol: float, rtol: float) -> bool:
    """Whether a catalogued mistake's result ``value`` is the student's ``received`` result: the
    same kind of value (a list of numbers counts as the array it reads as) and the same numbers
    within the case's own tolerance, ``|received - value| <= atol + rtol * |value|`` (values only:
    wrapping, dtype and key names are not compared)."""
    return _kind(value) == _kind(received) and compare(value, received, atol, rtol, strict=False) is None


def match_mistakes(expected: Any, received: Any, wrong_results: Sequence[tuple[str, Any]], atol: float,
                   rtol: float) -> list[str]:
    """The names of every catalogued mistake whose result on the case (``wrong_results``: ``(name,
    result)`` of the mistakes that returned) reproduces the student's wrong result, sorted. A mistake
    whose result is right on this case says nothing about the student's result and is left out. The
    order of ``wrong_results`` means nothing."""
    return sorted(name for name, value in wrong_results
                  if compare(expected, value, atol, rtol) is not None and reproduces(value, received, atol, rtol))


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
    result.matches = match_mistakes(expected, raw.value, wrong_results(), atol, rtol)
    result.difference = describe(expected, raw.value, atol, rtol)
    return result
