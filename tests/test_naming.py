"""A named mistake is the student's mistake (issue 30): the feedback names a catalogued mistake only
when it gives the student's results on every case (the same wrong values where the function
failed, a passing value where it passed), and otherwise says what is known about the difference.

On the code before issue 30 (with difference.py, which is new, copied in so that this module
imports), every test of the naming rule fails but the one where a mistake gives every result (it was
named before too): the old matcher named a mistake that matched one case (a), one contradicted by a
case the student passed (b), the "closest" mistake (c), and one of two identical mistakes only."""
import numpy as np
import pytest

from coursegrader.grading import Case, Exercise, Mistake, evaluate, register, unregister
from coursekit.check.collect import RawResult
from coursekit.check.task import Task
from coursekit.check.verdict.difference import common, describe
from coursekit.check.verdict.report import case_text, report
from coursekit.check.verdict.score import AnswerKey, score

X = np.array([1.0, -2.0, 0.5])


def _scale(x, a):
    return a * np.asarray(x, dtype=np.float64)


def _squares_a(x, a):
    return a ** 2 * np.asarray(x, dtype=np.float64)


def _plus_one(x, a):
    return a * np.asarray(x, dtype=np.float64) + 1.0


def _plus_one_again(x, a):
    return np.asarray(x, dtype=np.float64) * a + 1.0


@pytest.fixture
def toy():
    cases = lambda: [Case(f"a={a}", (X, a)) for a in (2.0, 3.0, -1.0)]  # noqa: E731 - the task's case factory
    ex = register(Exercise(name="toy_scale", lesson="00_test", reference=_scale, points=3, visible=cases,
                           hidden=cases, atol=1e-12, rtol=1e-9,
                           mistakes=[Mistake("squares_a", "a is squared", _squares_a),
                                     Mistake("plus_one", "adds 1", _plus_one)]))
    yield ex
    unregister(ex.name)


def test_a_mistake_matching_some_failing_cases_only_is_not_named(toy):
    """2 a x equals a**2 x at a = 2 only: the old matcher named squares_a there (a)."""
    ev = evaluate("toy_scale", lambda x, a: 2 * a * np.asarray(x, dtype=np.float64))
    assert ev.results[0].matches == ["squares_a"]
    assert ev.likely_mistake is None and ev.mistakes == [] and all(r.mistake is None for r in ev.results)
    text = report(ev)
    assert "likely mistake" not in text.lower()
    assert "No known mistake gives these results." in text
    assert "On every failing case, every value of the result is 2 times the expected." in text
    assert ev.record()["likely_mistake"] is None and not any(c["mistake"] for c in ev.record()["cases"])


def test_a_mistake_contradicted_by_a_passing_case_is_not_named(toy):
    """Adds 1 for a > 0 only: plus_one reproduces both failing cases, but would fail a = -1, which
    the student passed (b)."""
    ev = evaluate("toy_scale", lambda x, a: a * np.asarray(x) + (1.0 if a > 0 else 0.0))
    assert [r.passed for r in ev.results] == [False, False, True]
    assert all(r.matches == ["plus_one"] for r in ev.results[:2])
    assert ev.likely_mistake is None and "No known mistake gives these results." in report(ev)
    assert "On every failing case, every value of the result is the expected plus 1." in report(ev)


def test_a_result_near_a_mistake_is_not_named(toy):
    """a x + 1.001 is close to plus_one, not it (the old 'closest known mistake') (c)."""
    ev = evaluate("toy_scale", lambda x, a: a * np.asarray(x) + 1.001)
    assert ev.likely_mistake is None and all(r.mistake is None and not r.matches for r in ev.results)
    assert "closest" not in report(ev) and "the expected plus 1.001" in report(ev)


def test_a_mistake_that_gives_every_result_is_named_and_raising_cases_say_nothing(toy):
    def slip(x, a):
        if a < 0:
            raise ValueError("negative a")  # an error is evidence of something else: it neither names nor forbids
        return _plus_one(x, a)
    ev = evaluate("toy_scale", slip)
    assert ev.likely_mistake == "plus_one" and [r.mistake for r in ev.results] == ["plus_one", "plus_one", None]
    assert "Most likely mistake: adds 1" in report(ev) and "No known mistake" not in report(ev)
    assert "likely mistake: adds 1" in case_text(ev.task, ev.results[0], verbose=True, messages=ev.messages)


def test_mistakes_with_the_same_results_everywhere_are_all_shown(toy):
    toy.mistakes = [*toy.mistakes, Mistake("plus_one_again", "adds one after scaling", _plus_one_again)]
    ev = evaluate("toy_scale", _plus_one)
    assert ev.explained_by == ["plus_one", "plus_one_again"] and ev.likely_mistake == "plus_one"
    assert "or, with the same results on every case: adds one after scaling" in report(ev)


def test_the_visible_check_judges_with_the_same_rule_from_stored_values():
    """A stored key (results of the mistakes on the visible cases, asked for by case index only)
    gives the same verdicts as the grader's key."""
    task = Task(name="toy_scale", lesson="00_test", parameters=("x", "a"), visible=lambda: [])
    cases = [Case(f"a={a}", (X, a)) for a in (2.0, 3.0, -1.0)]
    stored = {i: [("squares_a", _squares_a(*c.args)), ("plus_one", _plus_one(*c.args))] for i, c in enumerate(cases)}
    key = AnswerKey([_scale(*c.args) for c in cases], lambda i: stored[i], {"plus_one": "adds 1"})
    partial = [RawResult(value=2 * c.args[1] * X) for c in cases]
    assert score(task, 3.0, cases, partial, key).likely_mistake is None
    contradicted = [RawResult(value=_plus_one(*c.args) if c.args[1] > 0 else _scale(*c.args)) for c in cases]
    assert score(task, 3.0, cases, contradicted, key).likely_mistake is None
    same = [RawResult(value=_plus_one(*c.args)) for c in cases]
    assert score(task, 3.0, cases, same, key).likely_mistake == "plus_one"


def test_the_grader_runs_only_the_candidates_on_the_cases_a_student_passed(toy):
    calls = []
    toy.mistakes = [Mistake(m.name, m.message, (lambda fn, n: lambda *a: calls.append(n) or fn(*a))(m.fn, m.name))
                    for m in toy.mistakes]
    ev = evaluate("toy_scale", lambda x, a: a * np.asarray(x) + (1.0 if a > 0 else 0.0))
    assert ev.likely_mistake is None
    # both mistakes on the two failing cases, then plus_one alone on the passing one
    assert sorted(calls) == ["plus_one", "plus_one", "plus_one", "squares_a", "squares_a"]


# --- what is known, said plainly -----------------------------------------------------------------

TOL = dict(atol=1e-10, rtol=1e-8)
E = np.array([1.5, -2.0, 4.0])


@pytest.mark.parametrize("received, sentence", [
    (E * 1e-3, "every value of the result is 0.001 times the expected"),
    (-E, "every value of the result is the expected with the opposite sign"),
    (E + 0.5, "every value of the result is the expected plus 0.5"),
    (np.zeros(3), "every value of the result is 0"),
    (np.array([1.5, 7.0, 4.0]), "only entry 1 of the result differs"),
    (np.array([np.nan, -2.0, 4.0]), "only entry 0 of the result differs: it is NaN where the expected is finite"),
    (np.array([3.0, -2.0, 8.0]), "only entries 0 and 2 of the result differ: each of them is 2 times the expected"),
    (np.array([2.0, -1.5, 4.0]), "only entries 0 and 1 of the result differ: each of them is the expected plus 0.5"),
    (np.array([1.0, 1.0, 1.0]), "every value of the result is 1"),   # one value where the expected ones vary
    (np.array([1.5, -1.0, -1.0]), "only entries 1 and 2 of the result differ: each of them is -1"),
    (np.array([1.0, 2.0, 3.0]), ""),   # nothing simple holds: the values say it all
])
def test_a_difference_is_described_only_as_far_as_it_holds(received, sentence):
    assert describe(E, received, **TOL).text() == sentence


def test_parts_rows_and_columns():
    assert describe((E, 2.0), (E, 3.0), **TOL).text() == "result[1] differs; result[0] is right"
    assert describe({"W": np.ones((2, 2)), "b": np.ones(2)}, {"W": np.ones((2, 2)), "b": 3 * np.ones(2)},
                    **TOL).text() == "every value of result['b'] is 3 times the expected; result['W'] is right"
    steps = np.arange(12.0).reshape(6, 2) + 1
    later = steps.copy()
    later[2:] *= 1.5
    assert describe(steps, later, **TOL).text() == ("only the rows from row 2 on of the result differ (rows 0 to 1 "
                                                   "are right): each of them is 1.5 times the expected")
    cols = np.ones((3, 4))
    cols[:, 3] = 0
    assert describe(np.ones((3, 4)), cols, **TOL).text() == "only column 3 of the result differs: each of them is 0"
    # another structure or shape: the comparison says so, nothing more is said here
    assert describe(E, E[:2], **TOL) is None and describe((E, 1.0), E, **TOL) is None
    assert describe(E, E, **TOL) is None


def test_one_number_is_a_multiple_of_another_only_when_it_holds_on_every_case():
    one = describe(2.0, 1.0, **TOL)
    assert one.text() == ""  # any number is some multiple of another
    assert common([one, describe(8.0, 4.0, **TOL)]) == "the result is 0.5 times the expected"
    assert common([one, describe(8.0, 2.0, **TOL)]) == ""
    assert common([one]) == ""
    many = [describe(E, E * f, **TOL) for f in (1e-3, 0.1)]
    assert common(many) == ("every value of the result is a constant multiple of the expected, another on each "
                            "case (0.001, 0.1)")
    vec = [describe(E, np.array([0.0, -2.0, 4.0]), **TOL), describe(2 * E, np.array([7.0, -4.0, 8.0]), **TOL)]
    assert common(vec) == "only entry 0 of the result differs"
