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
from . import wire
from .isolate import changed, run_isolated, seed_everything, snapshot
from ..runtime import is_autograding

OUTPUT_SHOWN = 600  # characters of a student's captured output shown per case
OUTPUT_KEPT = 4 * OUTPUT_SHOWN  # characters of it kept at all (the report shows the first OUTPUT_SHOWN)


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
    if isinstance(exc, SystemExit):
        return "called sys.exit() / exit(): a graded function must return its result, not stop the program"
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename.startswith("<ipython-input") or "ipykernel" in frame.f_code.co_filename \
                or frame.f_code.co_filename.startswith("<"):
            where = f" (in {frame.f_code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return f"raised {type(exc).__name__}: {exc}{where}"


@dataclass
class RawResult:
    """What running the student's function on one case produced, before any judging.

    This is all the autograding kernel reports (see ``coursekit.grading.wire``): the verdict is
    reached from it by ``judge``, which may run in another process that student code never touched.
    """
    value: Any = None
    error: str | None = None
    output: str = ""
    delegated: list[str] = field(default_factory=list)
    modified: str | None = None

    def to_json(self) -> dict:
        return {"value": wire.encode(self.value), "error": self.error, "output": self.output,
                "delegated": list(self.delegated), "modified": self.modified}

    @classmethod
    def from_json(cls, obj: dict) -> "RawResult":
        if not isinstance(obj, dict):
            raise ValueError("a case result must be an object")
        error, output, modified = obj.get("error"), obj.get("output", ""), obj.get("modified")
        delegated = obj.get("delegated", [])
        if not (error is None or isinstance(error, str)) or not isinstance(output, str) or \
                not (modified is None or isinstance(modified, str)) or \
                not (isinstance(delegated, list) and all(isinstance(d, str) for d in delegated)):
            raise ValueError("malformed case result")
        return cls(wire.decode(obj.get("value")), error, output, delegated, modified)


def collect(ex: Exercise, fn: Callable, case: Case) -> RawResult:
    """Run ``fn`` on one case (output captured, time bounded, delegation and in-place changes seen)."""
    given = _fresh(case)
    before = snapshot((given.args, given.kwargs))
    outcome = run_isolated(lambda: ex.call(fn, given), time_limit=ex.time_limit,
                           forbidden=[ex.reference, *ex.forbidden])
    output = outcome.output if len(outcome.output) <= OUTPUT_KEPT else outcome.output[:OUTPUT_KEPT] + " ..."
    raw = RawResult(output=output, delegated=list(outcome.delegated))
    if outcome.error is not None:
        raw.error = _describe_error(outcome.error)
        return raw
    raw.value = outcome.value
    if ex.frozen_inputs:
        names = _argument_names(ex, case)
        after = (given.args, given.kwargs)
        flat_before = list(before[0]) + list(before[1].values())
        flat_after = list(after[0]) + list(after[1].values())
        for name, b, a in zip(names, flat_before, flat_after):
            if changed(b, a):
                raw.modified = name
                break
    return raw


def expected_value(ex: Exercise, case: Case) -> Any:
    """The reference's result on a case (seeded: the same in every process)."""
    seed_everything(0)
    return _expected(ex, case)


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
    result.mistake = _match_mistake(ex, case, expected, raw.value, atol, rtol)
    return result


def run_case(ex: Exercise, fn: Callable, case: Case) -> CaseResult:
    return judge(ex, case, collect(ex, fn, case))


def score(ex: Exercise, cases: list[Case], raws: list[RawResult], expected: list | None = None) -> Evaluation:
    """Judge every case and compute the points (the same arithmetic wherever it runs)."""
    if expected is None:
        expected = [_NOTHING] * len(cases)
    results = [judge(ex, case, raw, e) for case, raw, e in zip(cases, raws, expected)]
    delegated = sorted({d for r in results for d in r.delegated})
    total = sum(c.weight for c in cases)
    earned = sum(r.case.weight for r in results if r.passed)
    points = 0.0 if delegated or not total else ex.points * earned / total
    points = math.floor(points * 100 + 1e-9) / 100 if earned < total else float(ex.points)
    return Evaluation(ex, results, points, delegated)


def _run(ex: Exercise, fn: Callable, cases: list[Case]) -> tuple[list, list[RawResult]]:
    """The reference's results, then the student's. The reference runs first so that one-off costs
    (torch importing its optimizer stack on the first step, caches warming up) are never charged
    to the time limit of the student's code."""
    expected = [expected_value(ex, case) for case in cases]
    return expected, [collect(ex, fn, case) for case in cases]


def evaluate(name: str, fn: Callable, *, hidden: bool = True) -> Evaluation:
    """Run every case of an exercise on ``fn`` and score it (no printing)."""
    ex = get_exercise(name)
    cases = list(ex.hidden() if hidden else ex.visible())
    expected, raws = _run(ex, fn, cases)
    return score(ex, cases, raws, expected)


def _case_text(ex: Exercise, r: CaseResult, verbose: bool) -> str:
    case = r.case
    lines = []
    if verbose:
        lines.append(f"input: {case.label}")
        names = _argument_names(ex, case)
        values = list(case.args) + list(case.kwargs.values())
        for n, v in zip(names, values):
            if not inspect.isroutine(v):  # functions are named in the label; models and arrays are shown
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
    __tracebackhide__ = True  # IPython and pytest: the student sees the message, not the harness's frames
    ev = evaluate(name, fn, hidden=False)
    for r in ev.results:
        if not r.passed:
            raise AssertionError(f"{name}: visible check failed\n" + _case_text(ev.exercise, r, verbose=True))
    print(f"✓ {name}: {len(ev.results)} visible checks passed. "
          f"More cases (other settings, random inputs, edge cases) are graded later.")


def report(ev: Evaluation) -> str:
    """The per-case report of a hidden test, as printed under a grade cell."""
    ex = ev.exercise
    passed = sum(r.passed for r in ev.results)
    lines = [f"{ex.name}: {passed} of {len(ev.results)} hidden cases passed"]
    for i, r in enumerate(ev.results, 1):
        mark = "✓" if r.passed else "✗"
        lines.append(f"  {mark} [{i}/{len(ev.results)}] {r.case.label}")
        if not r.passed:
            lines.append("      " + _case_text(ex, r, verbose=False).replace("\n", "\n      "))
    if ev.delegated:
        lines.append(f"No credit: {ex.name} calls {', '.join(ev.delegated)}; the exercise is to write it yourself.")
    if ev.likely_mistake is not None:
        lines.append(f"Most likely mistake: {ev.likely_mistake.message}")
    lines.append(f"Score: {ev.score:g} / {ex.points:g}")
    return "\n".join(lines)


def _publish(name: str, raws: list[RawResult]) -> None:
    """While nbgrader autogrades, hand the raw results to the grader's own process (see
    ``coursekit.grading.autograde.VerifyGrades``), which judges them again where student code
    cannot reach: whatever a notebook does to this module, numpy or torch, the score that counts
    is computed there."""
    if not is_autograding():
        return
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - not in a kernel
        return
    payload = {"exercise": name, "version": 1, "cases": [r.to_json() for r in raws]}
    display({wire.MIME: payload}, raw=True)


def grade(name: str, fn: Callable) -> float:
    """The hidden test: prints a per-case report to stdout and returns the points earned.

    The return value is the cell's last expression, which nbgrader reads as partial credit.
    While autograding, the raw results are also published for verification outside the kernel.
    """
    try:
        ex = get_exercise(name)
        cases = list(ex.hidden())
        expected, raws = _run(ex, fn, cases)
        _publish(name, raws)
        ev = score(ex, cases, raws, expected)
    except Exception as exc:  # a broken harness must not write to stderr or give points
        print(f"{name}: the grader could not run ({type(exc).__name__}: {exc}). 0 points; tell your instructor.")
        return 0.0
    print(report(ev))
    return ev.score
