"""The corpus of plausible wrong submissions (tests/wrong_variants, issue 15): every variant loses
points, and the feedback names a mistake (exactly, or as the closest known one) for most of them.
Measured before the catalogues grew: 26 of 90 (tests/wrong_variants/measured_before.txt)."""
from wrong_variants import VARIANTS
from wrong_variants.measure import measure, share_named

BEFORE = 26 / 90  # the catalogues of lessons 04-07 before issue 15
FLOOR = 0.85  # after: 80 of 90 (tests/wrong_variants/measured_after.txt)


def test_every_wrong_variant_loses_points_and_most_are_named():
    rows = measure(VARIANTS)
    full = [f"{r.exercise}: {r.variant}" for r in rows if r.score >= r.points]
    assert not full, f"these 'wrong' variants earn full marks: {full}"
    assert len(rows) >= 60
    assert share_named(rows) >= FLOOR > BEFORE, [(r.exercise, r.variant) for r in rows if r.named is None]
