"""``check`` (visible, raises) and ``grade`` (hidden, partial credit) for any registered exercise."""
from __future__ import annotations

import inspect
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .compare import Mismatch, compare, show
from .exercise import Case, Exercise, get_exercise
from .isolate import changed, run_isolated, snapshot

OUTPUT_SHOWN = 600  # characters of a student's captured output shown per case


@dataclass
class CaseResult:
    case: Case
    passed: bool
    problem: str = ""
    expected: Any = None
    received: Any = None
    mismatch: Mismatch | None = None
    mistake: str | None = None
    output: str = ""
    delegated: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    exercise: Exercise
    results: list[CaseResult]
    score: float
    delegated: list[str]

    @property
    def mistakes(self) -> list[str]:
        """The named mistakes seen, most frequent first."""
        counts = Counter(r.mistake for r in self.results if r.mistake)
        return [name for name, _ in counts.most_common()]

    @property
    def likely_mistake(self):
        names = self.mistakes
        if not names:
            return None
        return next(m for m in self.exercise.mistakes if m.name == names[0])


def _argument_names(ex: Exercise, case: Case) -> list[str]:
    try:
        params = list(inspect.signature(ex.reference).parameters)
    except (TypeError, ValueError):
        params = []
    names = [params[i] if i < len(params) else f"argument {i + 1}" for i in range(len(case.args))]
    return names + list(case.kwargs)


def _fresh(case: Case) -> Case:
    return Case(case.label, snapshot(case.args), snapshot(case.kwargs), case.weight, case.atol, case.rtol)


def _expected(ex: Exercise, case: Case) -> Any:
    return ex.call(ex.reference, _fresh(case))


def _match_mistake(ex: Exercise, case: Case, expected: Any, received: Any, atol: float, rtol: float) -> str | None:
    for mistake in ex.mistakes:
        outcome = run_isolated(lambda m=mistake: ex.call(m.fn, _fresh(case)), time_limit=ex.time_limit)
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


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, NotImplementedError):
        return "raised NotImplementedError: the exercise is not done yet"
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename.startswith("<ipython-input") or "ipykernel" in frame.f_code.co_filename \
                or frame.f_code.co_filename.startswith("<"):
            where = f" (in {frame.f_code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return f"raised {type(exc).__name__}: {exc}{where}"


def run_case(ex: Exercise, fn: Callable, case: Case) -> CaseResult:
    atol = ex.atol if case.atol is None else case.atol
    rtol = ex.rtol if case.rtol is None else case.rtol
    expected = _expected(ex, case)
    given = _fresh(case)
    before = snapshot((given.args, given.kwargs))
    outcome = run_isolated(lambda: ex.call(fn, given), time_limit=ex.time_limit,
                           forbidden=[ex.reference, *ex.forbidden])
    result = CaseResult(case, False, expected=expected, output=outcome.output, delegated=outcome.delegated)
    if outcome.delegated:
        result.problem = ("calls " + ", ".join(outcome.delegated) +
                          " instead of implementing the algorithm: that earns no credit")
        return result
    if outcome.error is not None:
        result.problem = _describe_error(outcome.error)
        return result
    result.received = outcome.value
    if ex.frozen_inputs:
        names = _argument_names(ex, case)
        after = (given.args, given.kwargs)
        flat_before = list(before[0]) + list(before[1].values())
        flat_after = list(after[0]) + list(after[1].values())
        for name, b, a in zip(names, flat_before, flat_after):
            if changed(b, a):
                result.problem = (f"modified its input `{name}` in place; course functions return new "
                                  f"values and leave their inputs unchanged (e.g. `x = x - lr * g`, "
                                  f"not `x -= lr * g`; copy before you change an entry)")
                return result
    mismatch = compare(expected, outcome.value, atol, rtol)
    if mismatch is None:
        result.passed = True
        return result
    result.mismatch = mismatch
    result.problem = mismatch.describe()
    result.mistake = _match_mistake(ex, case, expected, outcome.value, atol, rtol)
    return result


def evaluate(name: str, fn: Callable, *, hidden: bool = True) -> Evaluation:
    """Run every case of an exercise on ``fn`` and score it (no printing)."""
    ex = get_exercise(name)
    cases = list(ex.hidden() if hidden else ex.visible())
    results = [run_case(ex, fn, case) for case in cases]
    delegated = sorted({d for r in results for d in r.delegated})
    total = sum(c.weight for c in cases)
    earned = sum(r.case.weight for r in results if r.passed)
    score = 0.0 if delegated or not total else ex.points * earned / total
    score = math.floor(score * 100 + 1e-9) / 100 if earned < total else float(ex.points)
    return Evaluation(ex, results, score, delegated)


def _case_text(ex: Exercise, r: CaseResult, verbose: bool) -> str:
    case = r.case
    lines = []
    if verbose:
        lines.append(f"input: {case.label}")
        names = _argument_names(ex, case)
        values = list(case.args) + list(case.kwargs.values())
        for n, v in zip(names, values):
            if not callable(v):
                lines.append(f"  {n} = {show(v)}")
    lines.append(f"expected: {show(r.expected)}")
    if r.received is not None or r.mismatch is not None:
        lines.append(f"received: {show(r.received)}")
    lines.append(f"problem:  {r.problem}")
    if r.mistake:
        message = next(m.message for m in ex.mistakes if m.name == r.mistake)
        lines.append(f"likely mistake: {message}")
    if r.output.strip():
        text = r.output.strip()
        text = text if len(text) <= OUTPUT_SHOWN else text[:OUTPUT_SHOWN] + " ..."
        lines.append("your function printed (this costs no points):\n    " + text.replace("\n", "\n    "))
    return "\n".join(lines)


def check(name: str, fn: Callable) -> None:
    """The visible test: a few fixed cases. Raises ``AssertionError`` describing the first failure."""
    ev = evaluate(name, fn, hidden=False)
    for r in ev.results:
        if not r.passed:
            raise AssertionError(f"{name}: visible check failed\n" + _case_text(ev.exercise, r, verbose=True))
    print(f"✓ {name}: {len(ev.results)} visible checks passed. "
          f"More cases (other settings, random inputs, edge cases) are graded later.")


def grade(name: str, fn: Callable) -> float:
    """The hidden test: prints a per-case report to stdout and returns the points earned.

    The return value is the cell's last expression, which nbgrader reads as partial credit.
    """
    try:
        ev = evaluate(name, fn, hidden=True)
    except Exception as exc:  # a broken harness must not write to stderr or give points
        print(f"{name}: the grader could not run ({type(exc).__name__}: {exc}). 0 points; tell your instructor.")
        return 0.0
    ex = ev.exercise
    passed = sum(r.passed for r in ev.results)
    print(f"{name}: {passed} of {len(ev.results)} hidden cases passed")
    for i, r in enumerate(ev.results, 1):
        mark = "✓" if r.passed else "✗"
        print(f"  {mark} [{i}/{len(ev.results)}] {r.case.label}")
        if not r.passed:
            print("      " + _case_text(ex, r, verbose=False).replace("\n", "\n      "))
    if ev.delegated:
        print(f"No credit: {name} calls {', '.join(ev.delegated)}; the exercise is to write it yourself.")
    if ev.likely_mistake is not None:
        print(f"Most likely mistake: {ev.likely_mistake.message}")
    print(f"Score: {ev.score:g} / {ex.points:g}")
    return ev.score
