"""Every registered exercise: the reference earns full marks, every known mistake loses points and
is named, and both visible and hidden cases exist. Runs for every lesson automatically."""
import pytest

from coursegrader.grading import all_exercises, evaluate

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
    assert ev.likely_mistake is not None and ev.likely_mistake == mistake.name, (
        f"{mistake.name} is reported as {ev.mistakes}")


def test_points_per_lesson_in_range():
    lessons = {}
    for ex in EXERCISES:
        lessons[ex.lesson] = lessons.get(ex.lesson, 0) + ex.points
    for lesson, points in lessons.items():
        assert 10 <= points <= 30, (lesson, points)  # the spec: 10 to 30 points a lesson


def test_a_lookup_imports_its_own_exercise_module_only():
    """A lesson's kernel looks its exercises up by name: it imports the module named after the
    exercise (and what that needs: its lesson's shared helpers, not torch for rosenbrock), not every
    lesson's (walking the packages imports each lesson package's ``__init__``, where nothing is). A
    name no module is named after falls back to loading every module (and the error lists every
    exercise)."""
    import subprocess
    import sys

    probe = ("import sys\nfrom coursegrader.grading import get_exercise\n"
             "get_exercise('rosenbrock')\n"
             "print(sorted(m for m, mod in sys.modules.items() if m.startswith('coursegrader.exercises.')\n"
             "             and not hasattr(mod, '__path__')))\n"
             "print('torch' in sys.modules)\n"
             "try:\n    get_exercise('no_such_exercise')\nexcept KeyError as e:\n    print('yogi_step' in str(e))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["['coursegrader.exercises.l01_gradients._shared', "
                   "'coursegrader.exercises.l01_gradients.rosenbrock']", "False", "True"]


def test_a_lookup_of_a_layer_needs_no_torch():
    """A lesson's kernel looks its exercises up by name: it imports the module of that exercise (and
    what it needs), not every lesson before it; lesson 06's needs no torch. Finding the module
    imports the lesson packages' ``__init__`` (nothing registered there). A name no module spells
    out still falls back to loading every catalogue (and the error lists them all)."""
    import subprocess
    import sys

    probe = ("import sys\nfrom coursegrader.grading import get_exercise\n"
             "get_exercise('linear_forward')\n"
             "print(sorted(m for m, mod in sys.modules.items() if m.startswith('coursegrader.exercises.')\n"
             "             and not hasattr(mod, '__path__')), 'torch' in sys.modules)\n"
             "try:\n    get_exercise('no_such_exercise')\nexcept KeyError as e:\n    print('rosenbrock' in str(e))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["['coursegrader.exercises.l06_backprop.linear_forward'] False", "True"]
