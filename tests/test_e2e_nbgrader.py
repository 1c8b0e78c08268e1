"""nbgrader end to end, with nbgrader's own commands in a throw-away course directory.

Three students per lesson: `solution` (the source solutions: full marks), `blank` (the release
notebook untouched: 0) and `mistakes` (a known mistake planted in every exercise: each grade cell
earns exactly what the harness gives that mistake, and the feedback names it). Then
generate_feedback and export, checked against the gradebook.
"""
import csv
import html
import re

import nbformat
import pytest
from nbgrader.api import Gradebook

from conftest import nbgrader
from coursekit.grading import evaluate, get_exercise
from tools.editions import graded_cells, lessons, nbgrader_meta, solution_code, source_path

LESSONS = lessons()
STUDENTS = ("solution", "blank", "mistakes")
_GRADE_CALL = re.compile(r'grade\(\s*"([^"]+)"\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)')


def plan(lesson):
    """For each solution cell: the code planted by the `mistakes` student (the first known mistake
    of each exercise it defines, taken from the catalogue); for each grade cell: the score it must
    get and the mistake messages its feedback must show."""
    src = nbformat.read(source_path(lesson), as_version=4)
    planted, expected, messages, pending = {}, {}, {}, []
    for cell in src.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            pending.append(meta["grade_id"])
        elif meta.get("grade") and cell.cell_type == "code":
            calls = _GRADE_CALL.findall(cell.source)
            assert calls, f"{meta['grade_id']}: no grade(...) call"
            assert pending, f"{meta['grade_id']} has no solution cell before it"
            chosen = {}  # function name -> (registry key, mistake); a later key for the same name wins
            for key, fn_name in calls:
                chosen[fn_name] = (key, get_exercise(key).mistakes[0])
            lines = ["from coursekit.grading import get_exercise"]
            lines += [f'{fn_name} = get_exercise("{key}").mistakes[{0}].fn' for fn_name, (key, _) in chosen.items()]
            score, shown = 0.0, []
            for key, fn_name in calls:
                ev = evaluate(key, chosen[fn_name][1].fn)
                assert ev.likely_mistake is not None, f"{key}: the planted mistake is not named"
                score += ev.score
                shown.append(ev.likely_mistake.message)
            planted[pending[-1]] = "\n".join(lines)
            pending = []
            expected[meta["grade_id"]] = round(score, 2)
            messages[meta["grade_id"]] = shown
    return planted, expected, messages


def _submission(release_nb, source_nb, student, planted):
    nb = nbformat.from_dict(release_nb)
    solutions = {nbgrader_meta(c)["grade_id"]: solution_code(c) for c in source_nb.cells
                 if nbgrader_meta(c).get("solution")}
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if not nbgrader_meta(cell).get("solution"):
            continue
        if student == "solution":
            cell.source = solutions[grade_id]
        elif student == "mistakes":
            cell.source = planted.get(grade_id) or solutions[grade_id]
    return nb


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


def _delegating(release_nb, source_nb):
    nb = _submission(release_nb, source_nb, "solution", {})
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "adam_step_solution")
    cell.source = DELEGATING_ADAM.strip()
    return nb


@pytest.fixture(scope="module")
def graded(course):
    plans = {}
    for lesson in LESSONS:
        plans[lesson] = plan(lesson)
        release = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        source = nbformat.read(source_path(lesson), as_version=4)
        for student in STUDENTS:
            folder = course / "submitted" / student / lesson
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(_submission(release, source, student, plans[lesson][0]), str(folder / f"{lesson}.ipynb"))
        if lesson == DELEGATING_LESSON:
            folder = course / "submitted" / "delegates" / lesson
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(_delegating(release, source), str(folder / f"{lesson}.ipynb"))
        nbgrader(course, "autograde", lesson)
        nbgrader(course, "generate_feedback", lesson)
    nbgrader(course, "export")
    return plans


def _scores(course, lesson, student):
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        nb = gb.find_submission_notebook(lesson, lesson, student)
        return {g.name: g.score for g in nb.grades if g.cell_type == "code" and g.auto_score is not None}


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_gets_full_marks(course, graded, lesson):
    points = graded_cells(nbformat.read(source_path(lesson), as_version=4))
    assert _scores(course, lesson, "solution") == points


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", LESSONS)
def test_blank_release_gets_zero(course, graded, lesson):
    scores = _scores(course, lesson, "blank")
    assert scores and all(s == 0 for s in scores.values()), scores


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", LESSONS)
def test_planted_mistakes_lose_exactly_their_points_and_are_named(course, graded, lesson):
    _, expected, messages = graded[lesson]
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
def test_export_csv_holds_the_scores(course, graded):
    rows = list(csv.DictReader(open(course / "grades.csv")))
    for lesson in LESSONS:
        points = graded_cells(nbformat.read(source_path(lesson), as_version=4))
        _, expected, _ = graded[lesson]
        want = {"solution": sum(points.values()), "blank": 0.0, "mistakes": sum(expected.values())}
        for student, total in want.items():
            row = next(r for r in rows if r["assignment"] == lesson and r["student_id"] == student)
            assert float(row["score"]) == pytest.approx(total, abs=1e-6), (lesson, student)
            assert float(row["max_score"]) == pytest.approx(sum(points.values()))


@pytest.mark.e2e
def test_delegating_to_torch_optim_earns_nothing_for_that_exercise(course, graded):
    points = graded_cells(nbformat.read(source_path(DELEGATING_LESSON), as_version=4))
    scores = _scores(course, DELEGATING_LESSON, "delegates")
    assert scores == {**points, "adam_step_grade": 0.0}
    feedback = (course / "feedback" / "delegates" / DELEGATING_LESSON / f"{DELEGATING_LESSON}.html").read_text()
    assert "No credit: adam_step calls torch" in feedback and "write it yourself" in feedback
