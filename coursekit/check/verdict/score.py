"""The points an exercise earns from its cases' verdicts (the same arithmetic wherever it runs)."""
from __future__ import annotations

import inspect
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..collect import RawResult
from ..task import Case, Task
from .compare import compare
from .difference import common
from .judge import CaseResult, judge

# The rule a recorded verdict's mistake ids were chosen by (``Evaluation.record()["naming"]``): a
# mistake is named only when it gives the student's results on every case. Records without it were
# made by an older rule, whose names a class report must not count.
NAMING = "gives-every-result"


@dataclass
class AnswerKey:
    """What judging needs besides the student's results, for one exercise's cases: the answers
    (``expected``, one per case), the catalogued mistakes' results on a case (``wrong_results(i)``:
    ``(name, result)`` of the mistakes that returned on case ``i``; ``wrong_results(i, names)``: of
    those named only; asked for only when a case fails) and what each mistake's name means to a
    student (``messages``).

    The grader computes it from the course's reference and catalogue; a student's kernel reads the
    visible cases' key from values stored when the course was built (:mod:`coursekit.check.store`).
    A ``wrong_results`` that takes the case index alone is asked for every mistake and filtered."""

    expected: Sequence[Any]
    wrong_results: Callable[..., Sequence[tuple[str, Any]]] = lambda i, names=None: ()
    messages: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        compute = self.wrong_results
        try:
            takes_names = len(inspect.signature(compute).parameters) >= 2
        except (TypeError, ValueError):
            takes_names = False
        every: dict[int, list] = {}     # case -> every mistake's result
        some: dict[int, dict] = {}      # case -> {name: (returned, result)} for mistakes asked by name

        def cached(i: int, names: Collection[str] | None = None) -> Sequence[tuple[str, Any]]:
            """Running the mistakes costs: each one once per case, and only the ones asked for."""
            if i in every:
                found = every[i]
            elif names is None or not takes_names:
                every[i] = found = list(compute(i))
            else:
                known = some.setdefault(i, {})
                missing = [n for n in sorted(names) if n not in known]
                if missing:
                    got = dict(compute(i, missing))
                    known.update({n: (n in got, got.get(n)) for n in missing})
                return [(n, known[n][1]) for n in sorted(names) if known[n][0]]
            return found if names is None else [(n, v) for n, v in found if n in names]
        self.wrong_results = cached


@dataclass
class Evaluation:
    """Every case's verdict on one exercise, and the points earned. ``explained_by``: the catalogued
    mistakes that give the student's results on every case (:func:`name_mistakes`), usually one."""

    task: Task
    results: list[CaseResult]
    score: float
    points: float
    delegated: list[str]
    messages: Mapping[str, str] = field(default_factory=dict)
    explained_by: list[str] = field(default_factory=list)

    @property
    def mistakes(self) -> list[str]:
        """The named mistakes seen, most frequent first (ties by name)."""
        counts = Counter(r.mistake for r in self.results if r.mistake)
        return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    @property
    def notes(self) -> list[str]:
        """The conventions the function did not follow (no cost), each once, in case order."""
        return list(dict.fromkeys(n for r in self.results for n in r.notes))

    @property
    def likely_mistake(self) -> str | None:
        """The catalogued mistake that gives the student's results on every case, if one does."""
        return self.explained_by[0] if self.explained_by else None

    @property
    def unexplained(self) -> bool:
        """Some case returned a wrong value and no catalogued mistake gives the student's results."""
        return not self.explained_by and any(r.wrong_value for r in self.results)

    def difference(self) -> str:
        """What holds on every case with a wrong value (one sentence, empty if nothing does or there
        is only one such case; see :func:`.difference.common`)."""
        return common([r.difference for r in self.results if r.wrong_value])

    def message(self, name: str) -> str:
        """What a mistake's name means to a student."""
        return self.messages.get(name, name)

    def record(self) -> dict:
        """The verdict as plain data (JSON-able): per case, whether it passed and the id of the
        catalogued mistake that gives the student's results (only when one gives them on every
        case); what a class-wide report counts."""
        return {"exercise": self.task.name, "lesson": self.task.lesson, "score": self.score,
                "points": float(self.points), "delegated": list(self.delegated),
                "likely_mistake": self.likely_mistake, "naming": NAMING,
                "cases": [{"label": r.case.label, "passed": r.passed, "mistake": r.mistake} for r in self.results],
                "notes": self.notes}


def name_mistakes(task: Task, results: Sequence[CaseResult], key: AnswerKey) -> list[str]:
    """The catalogued mistakes that explain the evidence, and on every case with a wrong value the
    first of them (by name) as the case's ``mistake``. A mistake explains the evidence when, run on
    the same cases, it gives the student's results: on every case where the student's function
    returned a wrong value, the mistake returns a value that :func:`~.judge.reproduces` it (within
    the case's tolerance), and on every case the function passed, the mistake's result passes too.
    Cases where the function raised, delegated or changed its input say nothing either way. A
    mistake that matches only some cases is never named: the student's slip is something else (or
    several things), and the report says what is known instead (:mod:`.difference`). Several
    mistakes explain the evidence only when they give the same results on every case. The order of
    the catalogue means nothing."""
    wrong = [r for r in results if r.wrong_value]
    if not wrong:
        return []
    candidates = set(wrong[0].matches)
    for r in wrong[1:]:
        candidates &= set(r.matches)
    for i, r in enumerate(results):
        if not candidates:
            break
        if r.passed:
            atol, rtol = task.tolerances(r.case)
            theirs = dict(key.wrong_results(i, candidates))
            candidates = {n for n in candidates if n in theirs and compare(r.expected, theirs[n], atol, rtol) is None}
    names = sorted(candidates)
    for r in wrong:
        r.mistake = names[0] if names else None
    return names


def score(task: Task, points: float, cases: Sequence[Case], raws: Sequence[RawResult], key: AnswerKey) -> Evaluation:
    """Judge every case and compute the points: a share of ``points`` by case weight, rounded
    down to a hundredth (full marks exactly), nothing at all if the function delegated."""
    results = [judge(task, case, raw, expected, lambda i=i: key.wrong_results(i))
               for i, (case, raw, expected) in enumerate(zip(cases, raws, key.expected))]
    explained_by = name_mistakes(task, results, key)
    delegated = sorted({d for r in results for d in r.delegated})
    total = sum(c.weight for c in cases)
    earned = sum(r.case.weight for r in results if r.passed)
    got = 0.0 if delegated or not total else points * earned / total
    got = math.floor(got * 100 + 1e-9) / 100 if earned < total else float(points)
    return Evaluation(task, results, got, points, delegated, dict(key.messages), explained_by)
