"""`nbgrader validate` (the students' Validate button) tells the truth: an untouched or broken
notebook fails and names the visible checks that fail; a completed one passes."""
import subprocess
import sys

import nbformat
import pytest

from tools.course import filled_release, tool_env
from tools.editions import RELEASE, ROOT, nbgrader_meta

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


def test_untouched_notebook_fails_and_names_the_first_checks(tmp_path):
    out = _validate(nbformat.read(RELEASE / LESSON / f"{LESSON}.ipynb", as_version=4), tmp_path)
    assert "VALIDATION FAILED" in out and "Success!" not in out
    assert 'check("rosenbrock", rosenbrock)' in out and "the exercise is not done yet" in out


def test_one_wrong_answer_fails_and_names_its_check_and_mistake(tmp_path, completed):
    nb = nbformat.from_dict(completed)
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == "rosenbrock_solution":
            cell.source = WRONG_ROSENBROCK
    out = _validate(nb, tmp_path)
    assert "VALIDATION FAILED ON 1 CELL" in out, out[-2000:]
    assert 'check("rosenbrock", rosenbrock)' in out and "likely mistake" in out.lower()


def test_completed_notebook_passes(tmp_path, completed):
    out = _validate(completed, tmp_path)
    assert "Success! Your notebook passes all the tests." in out, out[-2000:]
