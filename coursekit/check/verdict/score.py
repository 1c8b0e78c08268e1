"""The points an exercise earns from its cases' verdicts (the same arithmetic wherever it runs)."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..collect import RawResult
from ..task import Case, Task
from .compare import compare
from .judge import CaseResult, judge


@dataclass
class AnswerKey:
    """What judging needs besides the student's results, for one exercise's cases: the answers
    (``expected``, one per case), the catalogued mistakes' results on a case (``wrong_results(i)``:
    ``(name, result)`` of the mistakes that returned on case ``i``; asked for only when a case
    fails) and what each mistake's name means to a student (``messages``).

    The grader computes it from the course's reference and catalogue; a student's kernel reads the
    visible cases' key from values stored when the course was built (:mod:`coursekit.check.store`)."""

    expected: Sequence[Any]
    wrong_results: Callable[[int], Sequence[tuple[str, Any]]] = lambda i: ()
    messages: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        compute, seen = self.wrong_results, {}

        def cached(i: int) -> Sequence[tuple[str, Any]]:  # running the mistakes costs: once per case
            if i not in seen:
                seen[i] = list(compute(i))
            return seen[i]
        self.wrong_results = cached


@dataclass
class Evaluation:
    """Every case's verdict on one exercise, and the points earned."""

    task: Task
    results: list[CaseResult]
    score: float
    points: float
    delegated: list[str]
    messages: Mapping[str, str] = field(default_factory=dict)

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
        """The name of the mistake seen on the most cases, if any."""
        names = self.mistakes
        return names[0] if names else None

    def message(self, name: str) -> str:
        """What a mistake's name means to a student."""
        return self.messages.get(name, name)

    def as_data(self) -> dict:
        """The verdict as plain data (JSON-able): per case, whether it passed and the id of the
        catalogued mistake it matched; what a class-wide report counts."""
        return {"exercise": self.task.name, "lesson": self.task.lesson, "score": self.score,
                "points": float(self.points), "delegated": list(self.delegated),
                "likely_mistake": self.likely_mistake,
                "cases": [{"label": r.case.label, "passed": r.passed, "mistake": r.mistake, "closest": r.closest}
                          for r in self.results],
                "notes": self.notes}


def name_mistakes(task: Task, results: Sequence[CaseResult], key: AnswerKey) -> None:
    """Choose the mistake each failed case names among those it matches, so that the choice never
    depends on a catalogue's order: the one that matches the most of the exercise's cases; on a tie,
    the one contradicted by the fewest cases the student got right (a mistake that would have got
    such a case wrong is not what the student did); then by name."""
    counts = Counter(name for r in results for name in r.matches)
    if not counts:
        return
    top = max(counts.values())
    tied = sorted(n for n, c in counts.items() if c == top)
    contradicted = Counter()
    if len(tied) > 1:
        for i, r in enumerate(results):
            if r.passed:
                atol, rtol = task.tolerances(r.case)
                contradicted.update(name for name, value in key.wrong_results(i)
                                    if name in tied and compare(r.expected, value, atol, rtol) is not None)
    for r in results:
        if r.matches:
            r.mistake = min(r.matches, key=lambda n: (-counts[n], contradicted[n], n))


def score(task: Task, points: float, cases: Sequence[Case], raws: Sequence[RawResult], key: AnswerKey) -> Evaluation:
    """Judge every case and compute the points: a share of ``points`` by case weight, rounded
    down to a hundredth (full marks exactly), nothing at all if the function delegated."""
    results = [judge(task, case, raw, expected, lambda i=i: key.wrong_results(i))
               for i, (case, raw, expected) in enumerate(zip(cases, raws, key.expected))]
    name_mistakes(task, results, key)
    delegated = sorted({d for r in results for d in r.delegated})
    total = sum(c.weight for c in cases)
    earned = sum(r.case.weight for r in results if r.passed)
    got = 0.0 if delegated or not total else points * earned / total
    got = math.floor(got * 100 + 1e-9) / 100 if earned < total else float(points)
    return Evaluation(task, results, got, points, delegated, dict(key.messages))
