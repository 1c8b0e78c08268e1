"""How well the feedback names the slips of plausible wrong submissions: named, misnamed, unnamed.

``python -m tests.wrong_variants.measure`` (from the repository root, in the course's venv) grades
every variant of :data:`tests.wrong_variants.VARIANTS` on the hidden cases (the report under a grade
cell) and on the visible cases (the check in the student's notebook, judged from the stored values)
and sorts what the feedback showed against the variant's label (:mod:`tests.wrong_variants.slips`):

- **named**: a name was shown and every name shown is the variant's slip;
- **misnamed**: some name shown (by the hidden report or the visible check, as the likely mistake
  of a case or of the exercise, or as a closest one) is not the variant's slip;
- **unnamed**: no name was shown.

*Recall* is named over the variants whose slip is catalogued; *misnamed* is over the whole corpus.
A variant that earns full marks is reported: it is not wrong and must be fixed.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field

from coursegrader.grading import evaluate, get_exercise

from . import key
from .slips import CATALOGUED, DESCRIBED, UNCATALOGUED, acceptable


@dataclass
class Measured:
    exercise: str
    variant: str
    score: float
    points: float
    shown: list[str] = field(default_factory=list)  # every name the feedback showed, hidden or visible
    catalogued: bool = False
    verdict: str = "unnamed"  # named, misnamed or unnamed
    hidden: object = field(default=None, repr=False)   # the hidden report's Evaluation
    visible: object = field(default=None, repr=False)  # the visible check's (None: the task has none)


def shown_names(ev) -> list[str]:
    """Every catalogued name an evaluation's feedback shows: the exercise's likely mistake, each
    case's, and each case's closest one where the verdict still has that notion."""
    names = [ev.likely_mistake] if ev.likely_mistake else []
    for r in ev.results:
        names += [n for n in (r.mistake, getattr(r, "closest", None)) if n]
    return list(dict.fromkeys(names))


def visible_evaluation(exercise: str, fn):
    """The visible check's evaluation (stored values; ``None`` for a task with no visible check)."""
    from coursekit.check.tasks import get_task
    from coursekit.check.visible import evaluate as visible
    try:
        get_task(exercise)
    except KeyError:
        return None
    return visible(exercise, fn)


def classify(k: str, shown: list[str]) -> str:
    if not shown:
        return "unnamed"
    ok = set(acceptable(k))
    return "named" if set(shown) <= ok else "misnamed"


def measure(variants) -> list[Measured]:
    rows = []
    for exercise, fn in variants:
        k = key(exercise, fn)
        ev = evaluate(exercise, fn)
        shown = shown_names(ev)
        seen = visible_evaluation(exercise, fn)
        if seen is not None:
            shown += [n for n in shown_names(seen) if n not in shown]
        rows.append(Measured(exercise, fn.__qualname__, ev.score, get_exercise(exercise).points, shown,
                             k in CATALOGUED, classify(k, shown), ev, seen))
    return rows


def unlabelled(variants) -> list[str]:
    """Variants with no label, or with two (CATALOGUED and UNCATALOGUED both)."""
    keys = [key(e, fn) for e, fn in variants]
    return [k for k in keys if (k in CATALOGUED) == (k in UNCATALOGUED)] + \
        [k for k in DESCRIBED if k not in UNCATALOGUED]


@dataclass
class Totals:
    variants: int
    catalogued: int
    named: int            # of the catalogued
    misnamed: int         # of all
    unnamed: int          # of all
    named_uncatalogued: int  # a DESCRIBED name shown for an uncatalogued slip

    @property
    def recall(self) -> float:
        return self.named / self.catalogued if self.catalogued else 1.0

    @property
    def misnamed_share(self) -> float:
        return self.misnamed / self.variants if self.variants else 0.0


def totals(rows: list[Measured]) -> Totals:
    return Totals(len(rows), sum(r.catalogued for r in rows),
                  sum(r.catalogued and r.verdict == "named" for r in rows),
                  sum(r.verdict == "misnamed" for r in rows), sum(r.verdict == "unnamed" for r in rows),
                  sum(not r.catalogued and r.verdict == "named" for r in rows))


def table(rows: list[Measured]) -> str:
    """Per exercise: variants, catalogued, named, misnamed, unnamed; then the totals."""
    by = defaultdict(list)
    for r in rows:
        by[r.exercise].append(r)
    lines = [f"{'exercise':32s} {'variants':>8s} {'catalogued':>10s} {'named':>6s} {'misnamed':>8s} {'unnamed':>7s}"]
    for name, rs in by.items():
        t = totals(rs)
        lines.append(f"{name:32s} {t.variants:8d} {t.catalogued:10d} {t.named:6d} {t.misnamed:8d} {t.unnamed:7d}")
    t = totals(rows)
    lines.append(f"{'all':32s} {t.variants:8d} {t.catalogued:10d} {t.named:6d} {t.misnamed:8d} {t.unnamed:7d}")
    lines.append(f"named {t.named} of {t.catalogued} catalogued slips = {t.recall:.1%}; misnamed {t.misnamed} of "
                 f"{t.variants} variants = {t.misnamed_share:.1%}; unnamed {t.unnamed}"
                 + (f"; a describing name shown for {t.named_uncatalogued} uncatalogued" if t.named_uncatalogued
                    else ""))
    return "\n".join(lines)


def main() -> int:
    from . import VARIANTS

    missing = unlabelled(VARIANTS)
    if missing:
        print("unlabelled (tests/wrong_variants/slips.py):", *missing, sep="\n  ")
        return 1
    rows = measure(VARIANTS)
    for r in rows:
        truth = ",".join(acceptable(f"{r.exercise}: {r.variant}")) or "-"
        print(f"{r.exercise:28s} {r.variant:36s} {r.score:5.2f}/{r.points:g}  {r.verdict:8s} "
              f"shown={','.join(r.shown) or '-'}  slip={truth}{'' if r.catalogued else ' (uncatalogued)'}")
    full = [f"{r.exercise}: {r.variant}" for r in rows if r.score >= r.points]
    if full:
        print("NOT WRONG (full marks):", *full, sep="\n  ")
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
