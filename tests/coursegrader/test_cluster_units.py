"""The grading task's pieces that need no cluster: what a task carries and its hash, the client's
check of corrupt submissions, the environment a worker scrubs before any kernel starts, the typed
result a worker sends back and how the client records it (named fields, one transaction)."""
from __future__ import annotations

import dataclasses
import datetime

import nbformat
import pytest
from traitlets.config import Config

from coursegrader.grading.cluster import (
    CellComment,
    CellScore,
    GradedSubmission,
    LatePenalty,
    LessonBundle,
    NotebookScores,
    SubmissionFiles,
    inspect_submission,
    record,
    submission_key,
)
from coursegrader.grading.cluster.worker import scrub_environment

from conftest import ROOT
from gradingkit import LESSON, POINTS, make_course


@pytest.fixture
def course(tmp_path):
    (tmp_path / "nbgrader_config.py").write_bytes((ROOT / "nbgrader_config.py").read_bytes())
    (tmp_path / "source" / LESSON).mkdir(parents=True)
    source = ROOT / "source" / LESSON / f"{LESSON}.ipynb"
    (tmp_path / "source" / LESSON / source.name).write_bytes(source.read_bytes())
    return tmp_path


def _submit(course, student, data: bytes):
    folder = course / "submitted" / student / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_bytes(data)


def test_the_hash_covers_the_submission_and_the_grader_files(course):
    release = (ROOT / "release" / LESSON / f"{LESSON}.ipynb").read_bytes()
    _submit(course, "ada", release)
    bundle = LessonBundle.from_course(course, LESSON)
    ada = SubmissionFiles.from_course(course, LESSON, "ada")
    key = submission_key(ada, bundle)
    assert key == submission_key(SubmissionFiles.from_course(course, LESSON, "ada"), LessonBundle.from_course(
        course, LESSON)), "the same bytes give the same key"
    assert submission_key(SubmissionFiles("ada", {f"{LESSON}.ipynb": release + b" "}), bundle) != key
    assert submission_key(SubmissionFiles("bob", ada.files), bundle) != key
    changed = LessonBundle(LESSON, bundle.config + b"\n# changed\n", bundle.source)
    assert submission_key(ada, changed) != key
    assert "rosenbrock_grade" in bundle.graded_cell_ids and "rosenbrock_solution" in bundle.graded_cell_ids


def test_corrupt_submissions_are_named_with_their_reason(course):
    bundle = LessonBundle.from_course(course, LESSON)
    _submit(course, "ok", (ROOT / "release" / LESSON / f"{LESSON}.ipynb").read_bytes())
    _submit(course, "empty", b"  \n")
    _submit(course, "nojson", b"\x89PNG\r\n")
    _submit(course, "notnb", b"[1, 2, 3]")
    other = nbformat.read(str(ROOT / "release" / "03_sgd" / "03_sgd.ipynb"), as_version=4)
    _submit(course, "wrong", nbformat.writes(other).encode())
    (course / "submitted" / "renamed" / LESSON).mkdir(parents=True)
    (course / "submitted" / "renamed" / LESSON / "copy of notebook.ipynb").write_text("{}")
    said = {s: inspect_submission(course, bundle, s) for s in ("ok", "empty", "nojson", "notnb", "wrong",
                                                              "renamed", "ghost")}
    assert said["ok"] is None
    assert said["empty"] == f"{LESSON}.ipynb is an empty file"
    assert said["nojson"].startswith(f"{LESSON}.ipynb is not JSON")
    assert said["notnb"].startswith(f"{LESSON}.ipynb is JSON but not a Jupyter notebook")
    assert said["wrong"].startswith(f"{LESSON}.ipynb is not this lesson's notebook")
    named = said["wrong"].split("it has ", 1)[1].split(", ")[0]  # the message names the notebook's own cells
    assert named in {c.metadata.get("nbgrader", {}).get("grade_id") for c in other.cells}
    assert said["renamed"] == f"no {LESSON}.ipynb in submitted/renamed/{LESSON} (found: copy of notebook.ipynb)"
    assert said["ghost"] == f"no submission folder submitted/ghost/{LESSON}"


def test_database_addresses_and_credentials_are_scrubbed():
    env = {"PATH": "/usr/bin", "HOME": "/home/x", "PGPASSWORD": "pw", "PGHOST": "/var/run/postgresql",
           "DATABASE_URL": "postgresql://u:pw@db/g", "NBGRADER_DB_URL": "x", "COURSE_DB_URL": "x",
           "AWS_SECRET_ACCESS_KEY": "k", "GITHUB_TOKEN": "t", "DASK_SCHEDULER_ADDRESS": "tcp://s:8786",
           "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8"}
    removed = scrub_environment(env)
    assert sorted(env) == ["HOME", "LANG", "OMP_NUM_THREADS", "PATH"]
    assert "PGPASSWORD" in removed and "DATABASE_URL" in removed and len(removed) == 8


def _graded(student: str, **changes) -> GradedSubmission:
    """Full marks on every grade cell of lesson 01, every answer cell commented as nbgrader does."""
    scores = tuple(CellScore(cell, points, points) for cell, points in POINTS.items())
    comments = tuple(CellComment(cell.removesuffix("_grade") + "_solution", None) for cell in POINTS)
    return GradedSubmission(student, "graded", notebooks=(NotebookScores(LESSON, scores, comments),), **changes)


def test_a_graded_submission_says_how_it_went():
    graded = _graded("ann")
    assert graded.score == sum(POINTS.values())
    with pytest.raises(ValueError, match="status"):
        dataclasses.replace(graded, status="skipped")
    with pytest.raises(ValueError, match="failed submission has no scores"):
        dataclasses.replace(graded, status="failed", reason="the kernel died")
    with pytest.raises(ValueError, match="says why"):
        GradedSubmission("ann", "failed")
    with pytest.raises(ValueError, match="says why"):
        dataclasses.replace(graded, status="timed out")
    with pytest.raises(ValueError, match="a graded one has them"):
        GradedSubmission("ann", "graded")


@pytest.fixture
def recorded_course(tmp_path):
    """Lesson 01 in a fresh gradebook, due on 10 January, where the instructor already gave ann a
    manual score, extra credit, a comment, a flag and a one-day extension."""
    from coursegrader.coursedir import gradebook

    course = make_course(tmp_path / "course")
    first = next(iter(POINTS))
    with gradebook(course) as gb:
        gb.update_or_create_assignment(LESSON, duedate=datetime.datetime(2026, 1, 10, 12, 0))
        gb.add_student("ann")
        gb.add_submission(LESSON, "ann", extension=datetime.timedelta(days=1))
        grade = gb.find_grade(first, LESSON, LESSON, "ann")
        grade.manual_score, grade.extra_credit = 1.0, 0.5
        gb.find_comment(first.removesuffix("_grade") + "_solution", LESSON, LESSON, "ann").manual_comment = "see me"
        gb.find_submission_notebook(LESSON, LESSON, "ann").flagged = True
        gb.db.commit()
    return course


# nbgrader's own API, adding a submission: SQLAlchemy 2's autoflush notes, not ours
QUIET = pytest.mark.filterwarnings("ignore:.*not in session")


@QUIET
def test_recording_writes_what_autograde_decides_and_keeps_what_the_instructor_set(recorded_course):
    from coursegrader.coursedir import gradebook, settings

    conf = settings(recorded_course)
    first = next(iter(POINTS))
    answer = first.removesuffix("_grade") + "_solution"
    late = LatePenalty(Config({"LateSubmissionPlugin": {"penalty_method": "zero"}}))
    # two days late: one day after the extension
    graded = _graded("ann", timestamp=datetime.datetime(2026, 1, 12, 12, 0))
    [notebook] = graded.notebooks
    graded = dataclasses.replace(graded, notebooks=(dataclasses.replace(notebook, comments=(
        CellComment(answer, "No response."), *notebook.comments[1:])),))
    penalty = record(conf.db_url, conf.course_id, LESSON, graded, late=late)
    with gradebook(recorded_course) as gb:
        sub = gb.find_submission(LESSON, "ann")
        assert (sub.timestamp, sub.extension) == (datetime.datetime(2026, 1, 12, 12, 0), datetime.timedelta(days=1))
        [nb] = sub.notebooks
        assert nb.flagged and nb.late_submission_penalty == penalty == nb.score > 0  # 'zero': the whole score
        grades = {g.name: (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade) for g in nb.grades}
        assert grades[first] == (POINTS[first], 1.0, 0.5, True)  # a manual score: a person looks again
        assert all(grades[c] == (p, None, None, False) for c, p in POINTS.items() if c != first)
        comment = gb.find_comment(answer, LESSON, LESSON, "ann")
        assert (comment.auto_comment, comment.manual_comment) == ("No response.", "see me")

    # handed in on time (within the extension): the penalty goes, as serial autograde resets it
    assert record(conf.db_url, conf.course_id, LESSON, dataclasses.replace(
        graded, timestamp=datetime.datetime(2026, 1, 11, 11, 0)), late=late) == 0
    with gradebook(recorded_course) as gb:
        assert gb.find_submission_notebook(LESSON, LESSON, "ann").late_submission_penalty is None


@QUIET
def test_recording_is_one_transaction_and_refuses_a_failed_submission(recorded_course):
    from nbgrader.api import MissingEntry

    from coursegrader.coursedir import gradebook, settings

    conf = settings(recorded_course)
    bea = _graded("bea")
    [notebook] = bea.notebooks
    broken = dataclasses.replace(bea, notebooks=(dataclasses.replace(
        notebook, scores=(*notebook.scores, CellScore("no_such_cell", 1.0, 1.0))),))
    with pytest.raises(MissingEntry):  # after the student, the submission and every real cell
        record(conf.db_url, conf.course_id, LESSON, broken)
    with gradebook(recorded_course) as gb:
        assert [s.id for s in gb.students] == ["ann"]
        assert [s.student_id for s in gb.assignment_submissions(LESSON)] == ["ann"]
    with pytest.raises(ValueError, match="nothing to record"):
        record(conf.db_url, conf.course_id, LESSON, GradedSubmission("bea", "failed", "not a notebook"))


class _BrokenPlugin:
    """A course's own late-penalty plugin that raises."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        raise ZeroDivisionError("the course's plugin divided by zero")


@QUIET
def test_a_late_penalty_that_raises_records_nothing_of_the_submission(recorded_course):
    """Scores and penalty are one transaction: when the course's plugin raises, none of the
    submission is written (the client reports it failed and keeps no key, so the next run grades
    it again) and what the instructor set stays."""
    from coursegrader.coursedir import gradebook, settings
    from coursegrader.grading.cluster.record import LatePenaltyFailed

    conf = settings(recorded_course)
    late = LatePenalty()
    late.plugin = _BrokenPlugin()
    first = next(iter(POINTS))
    with pytest.raises(LatePenaltyFailed, match="ZeroDivisionError: the course's plugin divided by zero"):
        record(conf.db_url, conf.course_id, LESSON, _graded("ann", timestamp=datetime.datetime(2026, 1, 12, 12, 0)),
               late=late)
    with gradebook(recorded_course) as gb:
        sub = gb.find_submission(LESSON, "ann")
        assert sub.timestamp is None
        [nb] = sub.notebooks
        assert all(g.auto_score is None for g in nb.grades)
        assert gb.find_grade(first, LESSON, LESSON, "ann").manual_score == 1.0


def test_the_grading_code_version_reads_the_packages_own_files_only(tmp_path):
    """Building the student package (the hub test's `pip install ./coursekit`) leaves coursekit/build/
    and coursekit.egg-info/ beside its modules: their copies must not change the version, or a run
    started again regrades everything (it did in a fresh CI run)."""
    from coursegrader.grading.cluster.bundle import _package_file

    root = tmp_path / "coursekit"
    assert _package_file(root / "measure.py", root)
    assert _package_file(root / "check" / "expected" / "01_gradients.json", root)
    assert not _package_file(root / "build" / "lib" / "coursekit" / "measure.py", root)
    assert not _package_file(root / "coursekit.egg-info" / "x.json", root)
    assert not _package_file(root / "check" / "__pycache__" / "task.py", root)
