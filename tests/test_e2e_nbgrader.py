"""nbgrader end to end, with nbgrader's own commands in a throw-away course directory.

Three students per lesson: `solution` (the source solutions: full marks), `blank` (the release
notebook untouched: 0) and `mistakes` (a known mistake planted in every exercise: each grade cell
earns exactly what the harness gives that mistake, and the feedback names it). Then
generate_feedback and export, checked against the gradebook.

The lessons are graded in two copies of the generated course, one for each half of the lessons,
side by side (each copy's commands in turn: autograde, generate_feedback per lesson, then export):
nbgrader grades one notebook at a time, on about one core, and the machine has two.
"""
import csv
import html
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursegrader.grading import evaluate, get_exercise
from coursegrader.grading.protocol import grade_calls, is_grade_cell, nbgrader_meta
from tools.course import filled_release, first_mistakes, gradebook, mistake_code, write_submission
from tools.editions import graded_cells, lessons, source_path
from tools.sync_grade_cells import lesson_points

from conftest import nbgrader
from reference import matches, snapshot

LESSONS = lessons()
STUDENTS = ("solution", "blank", "mistakes")
HALVES = (LESSONS[0::2], LESSONS[1::2])  # every other lesson: light and heavy ones on both sides


def plan(lesson):
    """For each solution cell: the code planted by the `mistakes` student (the first known mistake
    of each exercise it defines, taken from the catalogue); for each grade cell: the score it must
    get and the mistake messages its feedback must show."""
    src = nbformat.read(source_path(lesson), as_version=4)
    chosen_by_cell = first_mistakes(lesson)
    planted, expected, messages, pending = {}, {}, {}, []
    for cell in src.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            pending.append(meta["grade_id"])
        elif is_grade_cell(cell):
            calls = grade_calls(cell.source)
            assert calls, f"{meta['grade_id']}: no grade(...) call"
            assert pending, f"{meta['grade_id']} has no solution cell before it"
            chosen = chosen_by_cell[pending[-1]]  # function name -> registry key; a later key for a name wins
            score, shown = 0.0, []
            for key, fn_name in calls:
                ev = evaluate(key, get_exercise(chosen[fn_name]).mistakes[0].fn)
                assert ev.likely_mistake is not None, f"{key}: the planted mistake is not named"
                score += ev.score
                shown.append(ev.message(ev.likely_mistake))
            planted[pending[-1]] = mistake_code(chosen)
            pending = []
            expected[meta["grade_id"]] = round(score, 2)
            messages[meta["grade_id"]] = shown
    return planted, expected, messages


def _submission(lesson, release_nb, student, planted):
    return filled_release(lesson, release_nb, replace=planted if student == "mistakes" else None,
                          blank=student == "blank")


# A student who hands the exercise to torch instead of writing Adam: no credit for it, with a reason.
DELEGATING_LESSON = "05_adaptive_optimizers"
DELEGATING_ADAM = """
def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    import torch
    if "opt" not in state:
        p = torch.nn.Parameter(torch.tensor(params, dtype=torch.float64))
        opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        state = {"p": p, "opt": opt}
    state["p"].grad = torch.tensor(grad, dtype=torch.float64)
    state["opt"].step()
    return state["p"].detach().numpy().copy(), state
"""


def _delegating(lesson, release_nb):
    return filled_release(lesson, release_nb, replace={"adam_step_solution": DELEGATING_ADAM.strip()})


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """{"plans": {lesson: plan(lesson)}, "course": {lesson: the course copy that graded it}}."""
    plans, where = {}, {}
    for half in HALVES:
        copy = tmp_path_factory.mktemp("e2e") / "course"
        shutil.copytree(course, copy)  # the generated course (every lesson in its gradebook), untouched
        for lesson in half:
            where[lesson] = copy
            plans[lesson] = plan(lesson)
            release = nbformat.read(copy / "release" / lesson / f"{lesson}.ipynb", as_version=4)
            for student in STUDENTS:
                write_submission(copy, student, lesson, _submission(lesson, release, student, plans[lesson][0]))
            if lesson == DELEGATING_LESSON:
                write_submission(copy, "delegates", lesson, _delegating(lesson, release))

    def grade_half(half):
        for lesson in half:
            nbgrader(where[lesson], "autograde", lesson)
            nbgrader(where[lesson], "generate_feedback", lesson)
        nbgrader(where[half[0]], "export")

    with ThreadPoolExecutor(len(HALVES)) as pool:
        list(pool.map(grade_half, HALVES))
    return {"plans": plans, "course": where}


def _scores(course, lesson, student):
    with gradebook(course) as gb:
        nb = gb.find_submission_notebook(lesson, lesson, student)
        return {g.name: g.score for g in nb.grades if g.cell_type == "code" and g.auto_score is not None}


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_gets_full_marks(graded, lesson):
    points = graded_cells(nbformat.read(source_path(lesson), as_version=4))
    assert points == lesson_points(lesson)  # the notebook's metadata is the registry's
    assert _scores(graded["course"][lesson], lesson, "solution") == points


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", LESSONS)
def test_blank_release_gets_zero(graded, lesson):
    scores = _scores(graded["course"][lesson], lesson, "blank")
    assert scores and all(s == 0 for s in scores.values()), scores


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", LESSONS)
def test_planted_mistakes_lose_exactly_their_points_and_are_named(graded, lesson):
    _, expected, messages = graded["plans"][lesson]
    course = graded["course"][lesson]
    points = graded_cells(nbformat.read(source_path(lesson), as_version=4))
    scores = _scores(course, lesson, "mistakes")
    assert scores == pytest.approx(expected, abs=1e-9)
    assert all(scores[g] < points[g] for g in points), "a planted mistake kept full marks"
    feedback = (course / "feedback" / "mistakes" / lesson / f"{lesson}.html").read_text()
    for grade_id, shown in messages.items():
        for message in shown:
            assert html.escape(message, quote=False) in feedback or html.escape(message) in feedback, \
                f"{grade_id}: the feedback does not name the mistake {message!r}"


@pytest.mark.e2e
def test_export_csv_holds_the_scores(graded):
    for lesson in LESSONS:
        with open(graded["course"][lesson] / "grades.csv") as handle:
            rows = list(csv.DictReader(handle))
        points = graded_cells(nbformat.read(source_path(lesson), as_version=4))
        _, expected, _ = graded["plans"][lesson]
        want = {"solution": sum(points.values()), "blank": 0.0, "mistakes": sum(expected.values())}
        for student, total in want.items():
            row = next(r for r in rows if r["assignment"] == lesson and r["student_id"] == student)
            assert float(row["score"]) == pytest.approx(total, abs=1e-6), (lesson, student)
            assert float(row["max_score"]) == pytest.approx(sum(points.values()))


@pytest.mark.e2e
def test_delegating_to_torch_optim_earns_nothing_for_that_exercise(graded):
    course = graded["course"][DELEGATING_LESSON]
    points = graded_cells(nbformat.read(source_path(DELEGATING_LESSON), as_version=4))
    scores = _scores(course, DELEGATING_LESSON, "delegates")
    assert scores == {**points, "adam_step_grade": 0.0}
    feedback = (course / "feedback" / "delegates" / DELEGATING_LESSON / f"{DELEGATING_LESSON}.html").read_text()
    assert "No credit: adam_step calls torch" in feedback and "write it yourself" in feedback


@pytest.mark.e2e
def test_scores_and_reports_match_the_reference(graded):
    """Every lesson's students get the scores and grade-cell reports recorded before the grading
    core was redrawn (tests/reference_results/e2e.json)."""
    matches("e2e", {f"{lesson}/{student}": entry for lesson in LESSONS
                    for student, entry in snapshot(graded["course"][lesson], lesson).items()})
