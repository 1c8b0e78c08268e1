"""Every registered exercise: the reference earns full marks, every known mistake loses points and
is named, and both visible and hidden cases exist. Runs for every lesson automatically."""
import pytest

from coursekit.grading import all_exercises, evaluate

from helpers import clone

EXERCISES = all_exercises()
MISTAKES = [(ex, m) for ex in EXERCISES for m in ex.mistakes]


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.name)
def test_reference_earns_full_marks(ex):
    for hidden in (False, True):
        ev = evaluate(ex.name, clone(ex.reference), hidden=hidden)
        failures = [f"{r.case.label}: {r.problem}" for r in ev.results if not r.passed]
        assert not failures, failures
        assert ev.score == ex.points


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda e: e.name)
def test_catalogue_is_complete(ex):
    assert len(ex.visible()) >= 1 and len(ex.hidden()) >= 3
    assert len({m.name for m in ex.mistakes}) == len(ex.mistakes), "mistake names must be unique"
    assert 0 < ex.points


@pytest.mark.parametrize("ex,mistake", MISTAKES, ids=lambda v: getattr(v, "name", ""))
def test_mistake_loses_points_and_is_named(ex, mistake):
    ev = evaluate(ex.name, mistake.fn)
    assert ev.score < ex.points, f"{mistake.name} earns full marks: the hidden cases do not catch it"
    assert not ev.delegated, f"{mistake.name} calls the reference: {ev.delegated}"
    assert ev.likely_mistake is not None and ev.likely_mistake.name == mistake.name, (
        f"{mistake.name} is reported as {ev.mistakes}")


def test_points_per_lesson_in_range():
    lessons = {}
    for ex in EXERCISES:
        lessons[ex.lesson] = lessons.get(ex.lesson, 0) + ex.points
    for lesson, points in lessons.items():
        assert 10 <= points <= 25, (lesson, points)
