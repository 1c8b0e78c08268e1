"""The sandboxed autograding kernel (a jupyter_client kernel provisioner) started by its resolved
path: a course whose ``.venv`` is a link to an environment elsewhere is graded, and a submission
whose kernel cannot start is reported with the kernel's own words, not nbgrader's pointer to a
traceback. Real kernels, real nbgrader (slow: marked e2e)."""
from __future__ import annotations

import copy
import os
import pathlib
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config import Config

from coursegrader.coursedir import tool_env
from coursegrader.grading.autograde import SafeExecute, sandbox
from coursegrader.grading.autograde.execute import SKIPPED_NOTE
from coursegrader.grading.autograde.provisioner import resolved_command
from coursegrader.grading.cluster.client import autograde_lesson

from gradingkit import LESSON, POINTS, Submission, make_course, scores

needs_sandbox = pytest.mark.skipif(not sandbox.available(), reason=f"no sandbox: {sandbox.unavailable_reason()}")


def test_resolved_command_follows_a_linked_folder_but_keeps_the_programs_name(tmp_path):
    env = tmp_path / "elsewhere" / "env"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").symlink_to(sys.executable)  # a venv's python is itself a link
    course = tmp_path / "course"
    course.mkdir()
    (course / ".venv").symlink_to(env)
    cmd = resolved_command([str(course / ".venv" / "bin" / "python"), "-m", "ipykernel_launcher"])
    assert cmd == [str(env.resolve() / "bin" / "python"), "-m", "ipykernel_launcher"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("linked") / "course")
    Submission(root).write(root, "ada")
    return root


@needs_sandbox
@pytest.mark.e2e
def test_a_course_whose_venv_is_a_link_elsewhere_is_graded(course):
    """`.venv` -> this environment (outside the course): nbgrader run through the link starts the
    sandboxed kernel through it, inside the masked course folder, unless the path is resolved."""
    (course / ".venv").symlink_to(pathlib.Path(sys.prefix).resolve())
    python = course / ".venv" / "bin" / "python"
    env = tool_env()
    env["PATH"] = f"{python.parent}{os.pathsep}{env['PATH']}"
    proc = subprocess.run([str(python), "-m", "nbgrader", "autograde", LESSON, "--SafeExecute.sandbox=required",
                           "--log-level=WARN"], cwd=course, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No such file or directory" not in proc.stderr
    assert scores(course, "ada") == POINTS


@needs_sandbox
@pytest.mark.e2e
def test_a_kernel_that_cannot_start_is_reported_with_its_own_words(course, capsys):
    """A memory cap too small for Python itself: every kernel dies at start. tools.grade names the
    cause (nbgrader's exception and what the kernel wrote), never "Please see the above traceback"."""
    Submission(course).write(course, "bob")
    [outcome] = autograde_lesson(course, LESSON, ["bob"], progress=False,
                             options=("--SafeExecute.memory_limit_gb=0.02",))
    assert not outcome.ok
    assert "the kernel said:" in outcome.error and "above traceback" not in outcome.error
    assert "Kernel died" in outcome.error or "kernel" in outcome.error.lower()


@needs_sandbox
def test_safe_execute_restarts_a_kernel_that_exits_and_replays_the_cells_before(tmp_path):
    """SafeExecute called directly (nbgrader's style): the cell that kills the kernel gets an error,
    the kernel is restarted in the sandbox with the earlier cells replayed, and grading goes on."""
    work = tmp_path / "course" / "autograded" / "ada" / "lesson"
    work.mkdir(parents=True)
    nb = new_notebook(cells=[new_code_cell("x = 41"), new_code_cell("import os\nos._exit(1)"),
                             new_code_cell("print(x + 1)")])
    for i, cell in enumerate(nb.cells[1:]):  # a student's answers: cells the grade depends on, so they run
        cell.metadata["nbgrader"] = {"grade_id": f"answer{i}", "solution": True, "grade": False, "locked": False}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = SafeExecute(sandbox="required", course_root=str(tmp_path / "course"), timeout=120)
    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(work)}})
    assert [o.ename for o in nb.cells[1].outputs] == ["KernelDied"]
    assert [o.get("text") for o in nb.cells[2].outputs] == ["42\n"]


@needs_sandbox
@pytest.mark.parametrize("mode", ["skip", "no lesson", "every cell"])
def test_safe_execute_skips_the_lessons_cells_no_grade_depends_on(tmp_path, mode):
    """Against the lesson's source notebook, found where nbgrader keeps it: the lesson's experiment
    cell is not run (a note takes its output's place); the lesson's cell that binds a global a
    student's function reads is run, and so is a cell the student added. Without a source notebook,
    or with ``skip_unneeded_cells=False``, every cell runs."""
    course = tmp_path / "course"
    work = course / "autograded" / "ada" / "lesson"
    work.mkdir(parents=True)
    answer = {"grade_id": "answer", "solution": True, "grade": False, "locked": False}
    lesson = new_notebook(cells=[new_code_cell("import math"),
                                 new_code_cell("print('EXPERIMENT RAN')\nfigure = math.pi"),
                                 new_code_cell("scale = 3"),
                                 new_code_cell("def f(x):\n    raise NotImplementedError()")])
    lesson.cells[3].metadata["nbgrader"] = answer
    if mode != "no lesson":
        (course / "source" / "lesson").mkdir(parents=True)
        nbformat.write(lesson, course / "source" / "lesson" / "lesson.ipynb")
    nb = copy.deepcopy(lesson)
    nb.cells[3].source = "def f(x):\n    return x * scale\nprint(f(2))"
    nb.cells.insert(2, new_code_cell("print('ADDED RAN')"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = SafeExecute(sandbox="required", course_root=str(course), timeout=120,
                           skip_unneeded_cells=mode != "every cell",
                           config=Config({"CourseDirectory": {"root": str(course)}}))
    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(work)},
                                     "nbgrader": {"assignment": "lesson", "notebook": "lesson"}})
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells]
    assert texts[2:] == ["ADDED RAN\n", "", "6\n"]
    if mode == "skip":
        assert texts[1] == SKIPPED_NOTE, texts
        assert nb.cells[1].execution_count is None
    else:
        assert texts[1] == "EXPERIMENT RAN\n"
