"""The words a student reads: one failed case (``case_text``) and a hidden test's report (``report``)."""
from __future__ import annotations

import inspect
from collections.abc import Mapping

from ..task import Task
from .compare import show_block
from .judge import CaseResult
from .score import Evaluation

OUTPUT_SHOWN = 600  # characters of a student's captured output shown per case


def case_text(task: Task, r: CaseResult, verbose: bool, messages: Mapping[str, str]) -> str:
    """What went wrong on one case (``verbose``: with the inputs, for the visible check);
    ``messages``: what each catalogued mistake's name means to a student."""
    case = r.case
    lines = []
    if verbose:
        lines.append(f"input: {case.label}")
        names = task.argument_names(case)
        values = list(case.args) + list(case.kwargs.values())
        for n, v in zip(names, values):
            if not inspect.isroutine(v):  # functions are named in the label; models and arrays are shown
                lines += _labelled(f"  {n} = ", v)
    lines += _labelled("expected: ", r.expected)
    if r.received is not None or r.mismatch is not None:
        lines += _labelled("received: ", r.received)
    lines.append(f"problem:  {r.problem}")
    if r.mistake:
        lines.append(f"likely mistake: {messages.get(r.mistake, r.mistake)}")
    elif r.difference is not None and r.difference.text():
        lines.append(f"what differs: {r.difference.text()}")
    if r.output.strip():
        text = r.output.strip()
        text = text if len(text) <= OUTPUT_SHOWN else text[:OUTPUT_SHOWN] + " ..."
        lines.append("your function printed (this costs no points):\n    " + text.replace("\n", "\n    "))
    return "\n".join(lines)


def naming_text(ev: Evaluation) -> list[str]:
    """The mistake named for the whole exercise: the catalogued one that gives the student's results
    on every case (several when they give the same results), or, when none does, that no known
    mistake does and what holds on every failing case."""
    if ev.likely_mistake is not None:
        return [f"Most likely mistake: {ev.message(ev.likely_mistake)}"] + \
            [f"  or, with the same results on every case: {ev.message(n)}" for n in ev.explained_by[1:]]
    if not ev.unexplained:
        return []
    lines = ["No known mistake gives these results."]
    common = ev.difference()
    if common:
        lines.append(f"On every failing case, {common}.")
    return lines


def _labelled(label: str, value) -> list[str]:
    """``label`` and the value on one line if it fits, else the value's lines below it, indented (an
    array one row per line: an expected and a received trajectory read row against row)."""
    block = show_block(value)
    if len(block) == 1:
        return [label + block[0]]
    indent = " " * (len(label) - len(label.lstrip()) + 4)
    return [label.rstrip()] + [indent + line for line in block]


def notes_text(notes: list[str]) -> list[str]:
    """The conventions a function did not follow, as report lines (they cost nothing)."""
    if not notes:
        return []
    return ["Conventions (these cost no points):"] + [f"  note: {n}" for n in notes]


def report(ev: Evaluation) -> str:
    """The per-case report of a hidden test, as printed under a grade cell."""
    task = ev.task
    passed = sum(r.passed for r in ev.results)
    lines = [f"{task.name}: {passed} of {len(ev.results)} hidden cases passed"]
    for i, r in enumerate(ev.results, 1):
        mark = "✓" if r.passed else "✗"
        lines.append(f"  {mark} [{i}/{len(ev.results)}] {r.case.label}")
        if not r.passed:
            lines.append("      " + case_text(task, r, verbose=False, messages=ev.messages).replace("\n", "\n      "))
    if ev.delegated:
        lines.append(f"No credit: {task.name} calls {', '.join(ev.delegated)}; the exercise is to write it yourself.")
    lines += naming_text(ev)
    lines += notes_text(ev.notes)
    lines.append(f"Score: {ev.score:g} / {ev.points:g}")
    return "\n".join(lines)
