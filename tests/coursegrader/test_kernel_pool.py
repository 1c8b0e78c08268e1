"""The warm kernel of a grading worker (coursegrader.grading.cluster.pool): the next submission's
sandboxed kernel is launched while the current one is graded, and handed to that submission only.

Three submissions of lesson 01 are graded one after another in one worker process (a separate
OS process, so that the worker's environment scrubbing stays out of the test process), through
``autograde_submission`` as a Dask worker runs it. The first kernel starts cold, the next two were
launched before their submission arrived; each submission still has a kernel of its own (nothing
a submission leaves in its kernel or its private /tmp is seen by the next), the scores are what
the work earns, the student's name is what comes back, and no slot folder is left behind.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from coursegrader.coursedir import tool_env
from coursegrader.grading.autograde import sandbox

from conftest import ROOT
from gradingkit import LESSON, POINTS, Submission, make_course

pytestmark = pytest.mark.skipif(not sandbox.available(), reason=f"no sandbox: {sandbox.unavailable_reason()}")

WRONG_FD = "def forward_difference(f, x, eps=1e-6):\n    return np.zeros(np.shape(x))\n"
PROBE = ("import os\n"
         "print('PROBE', 'LEFT_BEHIND' in globals(), os.path.exists('/tmp/left-behind'), os.getcwd())\n"
         "LEFT_BEHIND = 1\n"
         "open('/tmp/left-behind', 'w').write('a previous submission was here')\n")
WORKER = """
import json, pathlib, sys
import nbformat
from coursegrader.grading.cluster import LessonBundle, SubmissionFiles, autograde_submission, pool, worker
course, lesson = pathlib.Path(sys.argv[1]), sys.argv[2]
bundle = LessonBundle.from_course(course, lesson)
out = []
for student in ("ada", "bob", "cyd"):
    r = autograde_submission(bundle, SubmissionFiles.from_course(course, lesson, student), feedback=False)
    nb = nbformat.reads(r.autograded[lesson + ".ipynb"].decode(), as_version=4)
    probe = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if "PROBE" in o.get("text", "")]
    grades = {cell.name: cell.auto_score for n in r.notebooks for cell in n.scores}
    out.append({"student": r.student, "status": r.status, "grades": grades, "probe": probe})
stats = dict(pool.STATS)
pool.close()
scratch = worker._COURSES[bundle.digest]
left = sorted(p.name for p in (scratch / "autograded").iterdir()) if (scratch / "autograded").is_dir() else []
print("RESULT " + json.dumps({"results": out, "stats": stats, "left": left}))
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("pool") / "course")
    for student in ("ada", "bob", "cyd"):
        submission = Submission(course)
        if student == "bob":
            submission.solve("forward_difference", WRONG_FD)
        submission.prepend("central_difference", PROBE)  # in a solution cell: grading runs it
        submission.write(course, student)
    proc = subprocess.run([sys.executable, "-c", WORKER, str(course), LESSON], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def test_the_next_kernels_were_launched_before_their_submissions(graded):
    assert graded["stats"] == {"warm": 2, "cold": 1, "discarded": 0}


def test_every_submission_has_a_kernel_of_its_own(graded):
    for r in graded["results"]:
        assert len(r["probe"]) == 1, r
        words = r["probe"][0].split()
        assert words[:3] == ["PROBE", "False", "False"], r  # nothing of the submission before, in memory or /tmp
        # graded under a slot name: the kernel's folder does not say whose work it is
        assert pathlib.PurePath(words[3]).parent.name.startswith("slot-"), r


def test_scores_are_what_the_work_earns(graded):
    by_student = {r["student"]: r for r in graded["results"]}
    assert [r["student"] for r in graded["results"]] == ["ada", "bob", "cyd"]
    assert all(r["status"] == "graded" for r in graded["results"])
    for student in ("ada", "cyd"):
        assert by_student[student]["grades"] == POINTS
    bob = by_student["bob"]["grades"]
    assert bob["forward_difference_grade"] < POINTS["forward_difference_grade"]
    assert bob["rosenbrock_grade"] == POINTS["rosenbrock_grade"]


def test_no_slot_folder_is_left_behind(graded):
    assert graded["left"] == []
