"""The corpus of plausible wrong submissions (tests/wrong_variants, issues 15 and 30): every variant
loses points and is labelled with its slip; the feedback's names are measured against the labels
(named, misnamed, unnamed; tests/wrong_variants/measure.py)."""
from wrong_variants import VARIANTS
from wrong_variants.measure import measure, table, unlabelled


def test_every_wrong_variant_is_labelled_and_loses_points():
    assert not unlabelled(VARIANTS), "label these in tests/wrong_variants/slips.py"
    rows = measure(VARIANTS)
    full = [f"{r.exercise}: {r.variant}" for r in rows if r.score >= r.points]
    assert not full, f"these 'wrong' variants earn full marks: {full}"
    assert len(rows) >= 200
    print(table(rows))
