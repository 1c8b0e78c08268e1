"""`nbgrader validate` (the students' Validate button) tells the truth: an untouched or broken
notebook fails and names the visible checks that fail, each once (the later cells that would only
repeat a failed check are skipped, coursekit/check/followon.py), with every line of the
message whole; a completed one passes."""
import re
import subprocess
import sys

import nbformat
import pytest

from coursegrader.coursedir import tool_env
from coursegrader.grading import get_exercise
from coursegrader.grading.protocol import nbgrader_meta
from coursekit.check import followon
from testkit.students import filled_release
from tools.editions import RELEASE, ROOT

LESSON = "01_gradients"
WRONG_ROSENBROCK = '''def rosenbrock(x, a=1.0, b=1.0):
    """Rosenbrock's function, with b hard-coded (a wrong answer)."""
    return float((a - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)'''


def _validate(nb, tmp_path):
    path = tmp_path / f"{LESSON}.ipynb"
    nbformat.write(nb, path)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def completed():
    return filled_release(LESSON, nbformat.read(RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4))


SWAPPED_AB = '''def rosenbrock(x, a=1.0, b=1.0):
    return float((b - x[0]) ** 2 + a * (x[1] - x[0] ** 2) ** 2)'''


def _checks(nb):
    return [c.source for c in nb.cells if nbgrader_meta(c).get("grade_id", "").endswith("_check")]


def test_untouched_notebook_fails_once_per_check_not_on_the_cells_that_follow(tmp_path):
    """Before, a blank lesson-01 notebook failed on 15 cells: its 6 checks and 9 experiment cells that
    called the unfinished functions (NotImplementedError again)."""
    nb = nbformat.read(RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4)
    out = _validate(nb, tmp_path)
    assert "VALIDATION FAILED" in out and "Success!" not in out
    assert 'check("rosenbrock", rosenbrock)' in out and "the exercise is not done yet" in out
    failed = re.findall(r"The following cell failed:\n\n    (.*)\n", out)
    assert failed == _checks(nb), failed
    assert f"VALIDATION FAILED ON {len(_checks(nb))} CELL(S)" in out
    assert "NotImplementedError  " not in out and "Traceback" not in out, "no traceback, only the check's message"


def test_one_wrong_answer_fails_and_names_its_check_and_mistake(tmp_path, completed):
    nb = nbformat.from_dict(completed)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == "rosenbrock_solution":
            cell.source = WRONG_ROSENBROCK
    out = _validate(nb, tmp_path)
    assert "VALIDATION FAILED ON 1 CELL" in out, out[-2000:]
    assert 'check("rosenbrock", rosenbrock)' in out and "likely mistake" in out.lower()


def test_a_long_hint_is_wrapped_whole_and_an_unrelated_error_is_still_reported(tmp_path, completed):
    """nbgrader validate cuts each line of an error at 87 characters with "...": the likely mistake was
    cut mid-word. And skipping follow-ons never hides an error of another cause."""
    nb = nbformat.from_dict(completed)
    for i, cell in enumerate(nb.cells):
        if nbgrader_meta(cell).get("grade_id") == "rosenbrock_solution":
            cell.source = SWAPPED_AB
            nb.cells.insert(i + 3, nbformat.v4.new_code_cell("print(a_name_nobody_defined)"))
            break
    out = _validate(nb, tmp_path)
    assert "VALIDATION FAILED ON 2 CELL(S)" in out, out[-3000:]
    assert "NameError" in out and "a_name_nobody_defined" in out
    start = out.index("AssertionError: rosenbrock")
    error = out[start:out.index("=" * 40, start)]
    assert all(len(line) < 87 and not line.endswith("...") for line in error.splitlines())
    hint = next(m.message for m in get_exercise("rosenbrock").mistakes if m.name == "swapped_ab")
    assert " ".join(hint.split()) in " ".join(error.split()), "the likely mistake, whole"


def test_which_cells_are_follow_ons(monkeypatch):
    """The rule the kernel applies once rosenbrock's check has failed."""
    monkeypatch.setattr(followon, "MARKED", {"rosenbrock"})

    def runs(code):
        return followon.skip_follow_ons(code.splitlines(keepends=True)) == code.splitlines(keepends=True)

    assert not runs("contour(lambda x: rosenbrock(x, b=b), ax=ax)\n"), "a lambda it calls at once"
    assert not runs("zs = [rosenbrock(p) for p in ps]\n")
    assert runs("def helper(p):\n    return rosenbrock(p) + 1\n"), "defining a function runs nothing"
    assert not runs("y = helper(p)\n"), "but calling it runs rosenbrock"
    assert not runs("print(zs, y)\n"), "what a skipped cell would have computed is missing too"
    assert runs("import numpy as np\nprint(np.pi)\n") and runs("%%time\n")
    assert runs("def rosenbrock(x, a=1.0, b=1.0):\n    return 0.0\n") and runs("rosenbrock([1, 1])\n"), \
        "defined again: runs again"


def test_completed_notebook_passes(tmp_path, completed):
    out = _validate(completed, tmp_path)
    assert "Success! Your notebook passes all the tests." in out, out[-2000:]
