"""``check`` (visible, raises) and ``grade`` (hidden, partial credit): what a lesson's cells call."""
from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from ..protocol import RawResult
from ..registry import Case, Exercise, get_exercise
from ..verdict.judge import expected_value
from ..verdict.report import case_text, notes_text, report
from ..verdict.score import Evaluation, score
from .collect import collect
from .followon import check_failed
from .publish import publish

WIDTH = 80  # nbgrader validate cuts every line of an error at 87 characters, its indent included


class CheckFailed(AssertionError):
    """A visible check that failed. Shown as its message alone, each line wrapped to ``WIDTH``
    (IPython's ``_render_traceback_``): no harness frames, no file paths, no hint cut mid-word."""

    def _render_traceback_(self) -> list[str]:
        lines = []
        for i, line in enumerate(f"AssertionError: {self}".splitlines()):
            indent = line[:len(line) - len(line.lstrip())] + ("    " if i else "  ")
            lines += textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]
        return lines


def _run(ex: Exercise, fn: Callable[..., Any], cases: list[Case]) -> tuple[list, list[RawResult]]:
    """The reference's results, then the student's. The reference runs first so that one-off costs
    (torch importing its optimizer stack on the first step, caches warming up) are never charged
    to the time limit of the student's code."""
    expected = [expected_value(ex, case) for case in cases]
    return expected, [collect(ex, fn, case) for case in cases]


def evaluate(name: str, fn: Callable[..., Any], *, hidden: bool = True) -> Evaluation:
    """Run every case of an exercise on ``fn`` and score it (no printing)."""
    ex = get_exercise(name)
    cases = list(ex.hidden() if hidden else ex.visible())
    expected, raws = _run(ex, fn, cases)
    return score(ex, cases, raws, expected)


def check(name: str, fn: Callable[..., Any]) -> None:
    """The visible test: a few fixed cases. Raises ``AssertionError`` (:class:`CheckFailed`) describing the
    first failure."""
    __tracebackhide__ = True  # IPython and pytest: the student sees the message, not the harness's frames
    ev = evaluate(name, fn, hidden=False)
    for r in ev.results:
        if not r.passed:
            check_failed(name, fn)
            raise CheckFailed(f"{name}: visible check failed\n" + case_text(ev.exercise, r, verbose=True))
    print(f"✓ {name}: {len(ev.results)} visible checks passed. "
          f"More cases (other settings, random inputs, edge cases) are graded later.")
    for line in notes_text(ev.notes):
        print(line)


def grade(name: str, fn: Callable[..., Any]) -> float:
    """The hidden test: prints a per-case report to stdout and returns the points earned.

    The return value is the cell's last expression, which nbgrader reads as partial credit.
    While autograding, the raw results are also published for verification outside the kernel.
    """
    try:
        ex = get_exercise(name)
        cases = list(ex.hidden())
        expected, raws = _run(ex, fn, cases)
        publish(name, raws)
        ev = score(ex, cases, raws, expected)
    except Exception as exc:  # a broken harness must not write to stderr or give points
        print(f"{name}: the grader could not run ({type(exc).__name__}: {exc}). 0 points; tell your instructor.")
        return 0.0
    print(report(ev))
    return ev.score
