"""What a student sees when a visible check or a claim fails, in a real kernel (nbclient runs a small
notebook; the error outputs are what JupyterLab and nbgrader validate show): the message, and the
student's own frames when their function raised, never a frame of the course's code.

Before: a failed claim showed two frames of claims.py; a check whose function raised showed the
message with "(in helper, line 4)" and no frame of the student's code (the frames were the harness's,
hidden by CheckFailed's rendering, so the student's were lost with them)."""
import re

import nbformat
import pytest

from coursekit.errors import WHERE, WIDTH
from tools.editions import ROOT

from helpers import execute

ANSI = re.compile(r"\x1b\[[0-9;]*m")

SETUP = """
import numpy as np
from coursekit.check import check
from coursekit.claims import claim
"""
WRONG = '''
def rosenbrock(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)
check("rosenbrock", rosenbrock)
'''
RAISES = '''
def second_coordinate(x):
    return x[1] / x["a"]

def rosenbrock(x, a=1.0, b=1.0):
    y = second_coordinate(x)
    return (a - x[0]) ** 2 + b * (y - x[0] ** 2) ** 2
check("rosenbrock", rosenbrock)
'''
CLAIM = '''
steps = {"plain GD": 121, "momentum": None}
claim(r"Momentum reaches $f < 10^{-3}$ in far fewer steps than plain GD, at $\\mu^\\star \\approx 0.566$.",
      steps["momentum"] is not None and steps["momentum"] < steps["plain GD"] / 2, steps, uses=["sgd_momentum_step"])
'''
CALLED_DIRECTLY = '''
rosenbrock(np.array([1.0, 2.0]))
'''
COURSE_FILES = re.compile(r"coursekit/|coursegrader/|site-packages|File \S+\.py|isolate|collect\(|run_isolated")


@pytest.fixture(scope="module")
def outputs():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src.strip()) for src in (SETUP, WRONG, RAISES, CLAIM, CALLED_DIRECTLY)]
    ran = execute(nb, ROOT)
    return [cell.get("outputs", []) for cell in ran.cells]


def _error(outs) -> tuple[dict, list[str]]:
    errors = [o for o in outs if o.output_type == "error"]
    assert len(errors) == 1, outs
    return errors[0], [ANSI.sub("", piece) for line in errors[0].traceback for piece in line.split("\n")]


def test_a_failed_check_shows_its_message_only(outputs):
    error, lines = _error(outputs[1])
    assert error.ename == "CheckFailed"
    assert lines[0] == "AssertionError: rosenbrock: visible check failed"
    assert any("likely mistake: b is hard-coded to 100" in line for line in lines)
    assert not [line for line in lines if COURSE_FILES.search(line)], lines
    assert "Traceback" not in "\n".join(lines) and WHERE not in lines  # nothing raised: no frame to show
    assert max(len(line) for line in lines) <= WIDTH


def test_an_exception_in_the_students_function_shows_the_message_and_the_students_frames_only(outputs):
    error, lines = _error(outputs[2])
    text = "\n".join(lines)
    where = lines.index(WHERE)
    message = " ".join(line.strip() for line in lines[:where])
    assert lines[0] == "AssertionError: rosenbrock: visible check failed"
    assert "raised IndexError" in message and "(in second_coordinate, line 2)" in message
    frames = lines[where + 1:]
    # the two frames of the student's code, outermost first, each with its source line and arrow
    headers = [line for line in frames if line.startswith("Cell In[")]
    assert len(headers) == 2, frames
    assert "in rosenbrock(" in headers[0] and "in second_coordinate(" in headers[1]
    assert any(re.match(r"-+> +\d+ +y = second_coordinate\(x\)", line) for line in frames), frames
    assert any(re.match(r'-+> +\d+ +return x\[1\] / x\["a"\]', line) for line in frames), frames
    assert not [line for line in lines if COURSE_FILES.search(line)], lines
    assert "Traceback (most recent call last)" not in text


def test_a_failed_claim_shows_its_message_without_frames_or_tex(outputs):
    outs = outputs[3]
    error, lines = _error(outs)
    text = " ".join(line.strip() for line in lines)
    assert error.ename == "ClaimError" and lines[0].startswith("ClaimError: The lesson says:")
    assert "Momentum reaches f < 10⁻³ in far fewer steps than plain GD, at μ* ≈ 0.566" in text
    assert "plain GD: 121; momentum: never" in text and "`sgd_momentum_step`" in text
    assert not [line for line in lines if COURSE_FILES.search(line) or "Cell In[" in line], lines
    assert "$" not in text and "\\" not in text and max(len(line) for line in lines) <= WIDTH
    shown = [o for o in outs if o.output_type == "display_data"]
    assert shown and shown[0].data["text/plain"].startswith("✗ Momentum reaches f < 10⁻³")
    assert shown[0].data["text/markdown"].startswith(r"✗ Momentum reaches $f < 10^{-3}$")


def test_the_students_own_error_outside_a_check_is_pythons_usual_traceback(outputs):
    """Nothing is hidden where no course code is involved: the student's cell and function frames."""
    error, lines = _error(outputs[4])
    assert error.ename == "IndexError"
    assert sum(line.startswith("Cell In[") for line in lines) == 3  # this cell, rosenbrock, second_coordinate
