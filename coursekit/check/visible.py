"""``check``: the visible test of a graded function, run in a student's kernel.

It runs the function on the task's visible cases (isolated: output captured, time bounded, forbidden
calls and in-place changes seen), judges each result against the answer stored when the course was
built, and names a catalogued mistake when the result is one (the mistakes' results on these inputs
are stored too). Nothing here can compute an answer: the student package has none.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import StudentFacing
from .collect import RawResult, collect
from .followon import check_failed
from .store import stored_key
from .tasks import get_task
from .verdict.report import case_text, notes_text
from .verdict.score import Evaluation, score


class CheckFailed(StudentFacing):
    """A visible check that failed. Shown as its message alone, each line wrapped to 80 columns, and
    when the student's function raised, that exception's frames in the student's code
    (:class:`coursekit.errors.StudentFacing`): no harness frame, no file path, no hint cut mid-word."""


def _run(name: str, fn: Callable[..., Any]) -> tuple[Evaluation, list[RawResult]]:
    task = get_task(name)
    cases = list(task.visible())
    key = stored_key(task, cases)
    raws = [collect(task, fn, case) for case in cases]
    return score(task, float(len(cases)), cases, raws, key), raws


def evaluate(name: str, fn: Callable[..., Any]) -> Evaluation:
    """The visible cases of ``name`` run on ``fn`` and judged (no printing, nothing raised)."""
    return _run(name, fn)[0]


def check(name: str, fn: Callable[..., Any]) -> None:
    """The visible test: a few fixed cases. Raises ``AssertionError`` (:class:`CheckFailed`) describing
    the first failure; while nbgrader validates, later cells that only repeat it are skipped
    (:mod:`.followon`)."""
    ev, raws = _run(name, fn)
    for r, raw in zip(ev.results, raws):
        if not r.passed:
            check_failed(name, fn)
            raise CheckFailed(f"{name}: visible check failed\n"
                              + case_text(ev.task, r, verbose=True, messages=ev.messages),
                              student_error=raw.exception)
    print(f"✓ {name}: {len(ev.results)} visible checks passed. "
          f"More cases (other settings, random inputs, edge cases) are graded later.")
    for line in notes_text(ev.notes):
        print(line)
