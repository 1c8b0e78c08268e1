"""The share of plausible wrong submissions whose feedback names a mistake.

``python -m tests.wrong_variants.measure`` (from the repository root, in the course's venv) grades
every variant of :data:`tests.wrong_variants.VARIANTS` on the hidden cases and prints, per
variant, its score and the mistake named (exactly matched, or the closest known one), then the
share named. A variant that earns full marks is reported: it is not wrong and must be fixed.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from coursegrader.grading import evaluate, get_exercise


@dataclass
class Measured:
    exercise: str
    variant: str
    score: float
    points: float
    named: str | None  # the mistake the feedback names (exact match first, else the closest)


def named_mistake(ev) -> str | None:
    """The mistake named anywhere in an evaluation's feedback (exact, then closest), if any."""
    if ev.mistakes:
        return ev.mistakes[0]
    closest = [getattr(r, "closest", None) for r in ev.results]
    closest = [c for c in closest if c]
    return f"~{closest[0]}" if closest else None


def measure(variants) -> list[Measured]:
    rows = []
    for exercise, fn in variants:
        ev = evaluate(exercise, fn)
        rows.append(Measured(exercise, fn.__qualname__, ev.score, get_exercise(exercise).points, named_mistake(ev)))
    return rows


def share_named(rows: list[Measured]) -> float:
    wrong = [r for r in rows if r.score < r.points]
    return sum(r.named is not None for r in wrong) / len(wrong)


def main() -> int:
    from tests.wrong_variants import VARIANTS

    rows = measure(VARIANTS)
    for r in rows:
        print(f"{r.exercise:32s} {r.variant:40s} {r.score:5.2f}/{r.points:g}  {r.named or '-'}")
    wrong = [r for r in rows if r.score < r.points]
    print(f"{len(rows)} variants, {len(wrong)} lose points; "
          f"named: {sum(r.named is not None for r in wrong)} = {share_named(rows):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
