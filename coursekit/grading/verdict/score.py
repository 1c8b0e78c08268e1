"""The points an exercise earns from its cases' verdicts (the same arithmetic wherever it runs)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from ..protocol import RawResult
from ..registry import Case, Exercise, Mistake
from .judge import _NOTHING, CaseResult, judge


@dataclass
class Evaluation:
    """Every case's verdict on one exercise, and the points earned."""

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
    def notes(self) -> list[str]:
        """The conventions the function did not follow (no cost), each once, in case order."""
        return list(dict.fromkeys(n for r in self.results for n in r.notes))

    @property
    def likely_mistake(self) -> Mistake | None:
        names = self.mistakes
        if not names:
            return None
        return next(m for m in self.exercise.mistakes if m.name == names[0])

    def record(self) -> dict:
        """The verdict as plain data (JSON-able): per case, whether it passed and the id of the
        catalogued mistake it matched; what a class-wide report counts."""
        return {"exercise": self.exercise.name, "lesson": self.exercise.lesson, "score": self.score,
                "points": float(self.exercise.points), "delegated": list(self.delegated),
                "likely_mistake": self.mistakes[0] if self.mistakes else None,
                "cases": [{"label": r.case.label, "passed": r.passed, "mistake": r.mistake, "closest": r.closest}
                          for r in self.results],
                "notes": self.notes}


def score(ex: Exercise, cases: list[Case], raws: list[RawResult], expected: list | None = None) -> Evaluation:
    """Judge every case and compute the points: a share of ``ex.points`` by case weight, rounded
    down to a hundredth (full marks exactly), nothing at all if the function delegated."""
    if expected is None:
        expected = [_NOTHING] * len(cases)
    results = [judge(ex, case, raw, e) for case, raw, e in zip(cases, raws, expected)]
    delegated = sorted({d for r in results for d in r.delegated})
    total = sum(c.weight for c in cases)
    earned = sum(r.case.weight for r in results if r.passed)
    points = 0.0 if delegated or not total else ex.points * earned / total
    points = math.floor(points * 100 + 1e-9) / 100 if earned < total else float(ex.points)
    return Evaluation(ex, results, points, delegated)
