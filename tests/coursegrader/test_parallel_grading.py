"""Parallel autograding (make grade: tools/grade.py over coursegrader.grading.cluster.client, on an
embedded Dask LocalCluster) writes exactly what a serial `nbgrader autograde` writes.

The same class is graded twice: in one copy of the course by nbgrader's own CLI (serial), in
another by `python -m tools.grade --workers 2` (two Dask worker processes, the client the one
writer); every gradebook row (submission, notebook, grade, comment) and every grade cell's report
must be the same, with no database lock errors, a progress bar showing done/total and failures,
and a summary table also written as CSV. Regrading one student (--force) changes nothing; a run
started again skips every submission already graded. The lesson has a due date and bob hands in a
day late, with nbgrader's "zero" penalty: his late penalty must be what serial autograde records
(before, the workers' scratch gradebook knew no due date and `make grade` recorded no penalty).
A regrade keeps what the instructor set (manual scores, extra credit, comments, a flag, an extension),
as serial autograde does.
"""
from __future__ import annotations

import datetime
import shutil
import subprocess
import sys

import nbformat
import pytest

from coursegrader.coursedir import gradebook, tool_env
from coursegrader.grading.cluster.client import autograde_lesson

from conftest import ROOT, nbgrader
from gradingkit import LESSON, POINTS, Submission, cell_text, gradebook_rows, make_course, scores

WRONG_FD = "def forward_difference(f, x, eps=1e-6):\n    return np.zeros(np.shape(x))\n"
SIGN_SLIP = ("def rosenbrock_grad(x, a=1.0, b=1.0):\n    inner = x[1] - x[0] ** 2\n"
             "    return np.array([2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])\n")


def _class(course):
    with open(course / "nbgrader_config.py", "a") as fh:
        fh.write('\nc.LateSubmissionPlugin.penalty_method = "zero"  # a late submission scores 0\n')
    with gradebook(course) as gb:
        gb.update_or_create_assignment(LESSON, duedate=datetime.datetime(2026, 1, 10, 12, 0))
    Submission(course).write(course, "ada")
    Submission(course).solve("forward_difference", WRONG_FD).solve("rosenbrock_grad", SIGN_SLIP).write(course, "bob")
    (course / "submitted" / "bob" / LESSON / "timestamp.txt").write_text("2026-01-11 12:00:00 UTC")  # a day late
    blank = Submission(course)
    blank.nb = nbformat.read(course / "release" / LESSON / f"{LESSON}.ipynb", as_version=4)
    blank.write(course, "cyd")
    (Submission(course).solve("central_difference", "def central_difference(f, x, eps=1e-5):\n"
                                                    "    return np.zeros(np.shape(x))\n"
                                                    "np.abs = lambda v, *a, **k: np.zeros(np.shape(v))\n")
     .write(course, "dee"))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = make_course(tmp_path_factory.mktemp("parallel") / "base")
    _class(base)
    serial, parallel = base.parent / "serial", base.parent / "parallel"
    shutil.copytree(base, serial)
    shutil.copytree(base, parallel)
    nbgrader(serial, "autograde", LESSON)
    proc = subprocess.run([sys.executable, "-m", "tools.grade", LESSON, "--workers", "2", "--course", str(parallel)],
                          cwd=ROOT, env=tool_env(), capture_output=True, text=True)
    return serial, parallel, proc


def test_parallel_command_succeeds_with_a_progress_bar(two_runs):
    _, _, proc = two_runs
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4/4" in proc.stderr and "failed=0" in proc.stderr
    assert "4 of 4 submissions of 01_gradients autograded" in proc.stdout
    assert "locked" not in (proc.stdout + proc.stderr).lower()
    lines = [line.split() for line in proc.stdout.splitlines()]
    assert ["student", "score", "status", "reason"] in lines
    assert ["ada", f"{sum(POINTS.values()):g}/{sum(POINTS.values()):g}", "graded"] in lines


def test_summary_written_as_csv(two_runs):
    import csv

    _, parallel, _ = two_runs
    with open(parallel / f"grades-{LESSON}.csv") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert sorted(rows) == ["ada", "bob", "cyd", "dee"]
    assert float(rows["ada"]["score"]) == sum(POINTS.values()) == float(rows["ada"]["max_score"])
    assert float(rows["cyd"]["score"]) == 0 and {r["status"] for r in rows.values()} == {"graded"}


def test_feedback_pages_come_back_from_the_workers(two_runs):
    _, parallel, _ = two_runs
    for student in ("ada", "bob", "cyd", "dee"):
        page = (parallel / "feedback" / student / LESSON / f"{LESSON}.html").read_text()
        assert "forward_difference" in page


def test_gradebook_identical_to_serial_nbgrader(two_runs):
    serial, parallel, _ = two_runs
    rows = gradebook_rows(serial)
    assert rows and gradebook_rows(parallel) == rows
    assert scores(parallel, "ada") == POINTS
    assert all(v == 0 for v in scores(parallel, "cyd").values())
    assert scores(parallel, "dee")["central_difference_grade"] < 3  # a wrong answer behind a patched np.abs
    assert 0 < sum(scores(parallel, "bob").values()) < sum(POINTS.values())
    penalties = {s: rows[(s, LESSON)][1] for s in ("ada", "bob")}
    assert penalties["bob"] == sum(scores(parallel, "bob").values()) and not penalties["ada"], penalties


def test_reports_identical_to_serial_nbgrader(two_runs):
    serial, parallel, _ = two_runs
    for student in ("ada", "bob", "cyd", "dee"):
        for grade_id in POINTS:
            assert cell_text(parallel, student, grade_id) == cell_text(serial, student, grade_id), (student, grade_id)


def test_regrading_one_student_changes_nothing(two_runs):
    serial, parallel, _ = two_runs

    before = gradebook_rows(parallel)
    outcomes = autograde_lesson(parallel, LESSON, students=["bob"], force=True, progress=False, workers=1)
    assert [(o.student, o.status) for o in outcomes] == [("bob", "graded")]
    assert gradebook_rows(parallel) == before == gradebook_rows(serial)


def test_a_run_started_again_skips_what_is_graded(two_runs):
    _, parallel, _ = two_runs

    outcomes = autograde_lesson(parallel, LESSON, progress=False)
    assert [(o.student, o.status) for o in outcomes] == [(s, "skipped") for s in ("ada", "bob", "cyd", "dee")]
    assert outcomes[0].score == sum(POINTS.values())


def test_a_regrade_keeps_what_the_instructor_set_as_serial_autograde_does(two_runs):
    """Regrading writes only what autograde decides: the manual score, extra credit, manual comment
    and flag an instructor gave bob in Formgrader stay, and so does his two-day extension, with
    which his day-late hand-in is on time (no penalty). Before, make grade copied every column of
    the worker's scratch rows, where these are empty: it erased them all, and penalised bob."""
    serial, parallel, _ = two_runs
    for course in (serial, parallel):
        with gradebook(course) as gb:
            gb.update_or_create_submission(LESSON, "bob", extension=datetime.timedelta(days=2))
            grade = gb.find_grade("rosenbrock_grad_grade", LESSON, LESSON, "bob")
            grade.manual_score, grade.extra_credit = 1.5, 0.5
            gb.find_comment("rosenbrock_grad_solution", LESSON, LESSON, "bob").manual_comment = "a sign slip"
            gb.find_submission_notebook(LESSON, LESSON, "bob").flagged = True
            gb.db.commit()
    nbgrader(serial, "autograde", LESSON, "--student=bob", "--force")
    [bob] = autograde_lesson(parallel, LESSON, ["bob"], force=True, progress=False, workers=1)
    assert bob.status == "graded" and "late" not in bob.reason, bob
    rows = gradebook_rows(serial)
    assert rows[("bob", "submission")][1] == datetime.timedelta(days=2)  # the extension
    assert rows[("bob", LESSON)][:2] == (True, None)  # flagged, no late penalty
    assert rows[("bob", "rosenbrock_grad_grade")][1:4] == (1.5, 0.5, True)  # manual, extra credit, needs a person
    assert rows[("bob", "comment rosenbrock_grad_solution")][1] == "a sign slip"
    assert gradebook_rows(parallel) == rows
