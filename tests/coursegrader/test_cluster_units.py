"""The grading task's pieces that need no cluster: what a task carries and its hash, the client's
check of corrupt submissions, the environment a worker scrubs before any kernel starts."""
from __future__ import annotations

import nbformat
import pytest

from coursegrader.grading.cluster import LessonBundle, SubmissionFiles, inspect_submission, submission_key
from coursegrader.grading.cluster.worker import scrub_environment

from conftest import ROOT
from gradingkit import LESSON


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
