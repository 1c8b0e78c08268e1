"""``grade`` (hidden, partial credit): what a lesson's grade cells call while the notebook is graded."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coursekit.check.collect import RawResult, collect
from coursekit.check.task import Case
from coursekit.check.verdict.report import report
from coursekit.check.verdict.score import AnswerKey, Evaluation, judged_on_its_own, score

from ..exercise import Exercise
from ..registry import get_exercise
from . import cascade
from .publish import publish


def _run(ex: Exercise, fn: Callable[..., Any], cases: list[Case]) -> tuple[AnswerKey, list[RawResult]]:
    """The answer key, then the student's results. The reference runs first so that one-off costs
    (torch importing its optimizer stack on the first step, caches warming up) are never charged
    to the time limit of the student's code."""
    key = ex.answer_key(cases)
    return key, [collect(ex, fn, case, forbidden=[ex.reference]) for case in cases]


def _on_its_own(ex: Exercise, fn: Callable[..., Any], cases: list[Case]) -> tuple[Evaluation, list[RawResult], dict]:
    """``fn`` judged on its own (:mod:`.cascade`): its evaluation, the results it is scored on, and
    what the payload must add when callees were replaced (``judged_with``, ``own``; empty if none)."""
    found = cascade.plan(fn, ex.lesson)
    key = ex.answer_key(cases)  # the reference first, as in _run
    raws = cascade.run_cases(ex, fn, cases, found.bindings)
    ev = score(ex, ex.points, cases, raws, key)
    if not found.roots:
        return ev, raws, {}
    own = cascade.run_cases(ex, fn, cases, ())
    judged_on_its_own(ev, list(found.roots), ex, cases, own, key.expected)
    return ev, raws, {"judged_with": {n: c.raws for n, c in found.roots.items()}, "own": own}


def evaluate(name: str, fn: Callable[..., Any], *, hidden: bool = True) -> Evaluation:
    """Run every case of an exercise on ``fn`` and score it (no printing); the hidden cases judge
    ``fn`` on its own (graded functions it calls that fail their own tests replaced, :mod:`.cascade`)."""
    ex = get_exercise(name)
    cases = list(ex.hidden() if hidden else ex.visible())
    if hidden:
        return _on_its_own(ex, fn, cases)[0]
    key, raws = _run(ex, fn, cases)
    return score(ex, ex.points, cases, raws, key)


def grade(name: str, fn: Callable[..., Any]) -> float:
    """The hidden test: prints a per-case report to stdout and returns the points earned.

    The return value is the cell's last expression, which nbgrader reads as partial credit.
    While autograding, the raw results are also published for verification outside the kernel.
    """
    try:
        ex = get_exercise(name)
        ev, raws, extra = _on_its_own(ex, fn, list(ex.hidden()))
        publish(name, raws, **extra)
    except Exception as exc:  # a broken harness must not write to stderr or give points
        print(f"{name}: the grader could not run ({type(exc).__name__}: {exc}). 0 points; tell your instructor.")
        return 0.0
    print(report(ev))
    return ev.score
