"""Feedback that does not leak: nbgrader generate_feedback shows each hidden test's result and the
harness's report, but not the hidden tests' source (nbgrader issue #917) nor the raw results the
kernel hands to the verifier."""
from __future__ import annotations

import html
import json
import re

import nbformat
import pytest

from coursegrader.grading.protocol import MIME, split_cell_id

from conftest import nbgrader
from gradingkit import LESSON, POINTS, Submission, make_course

SIGN_SLIP = ("def rosenbrock_grad(x, a=1.0, b=1.0):\n    inner = x[1] - x[0] ** 2\n"
             "    return np.array([2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])\n")


def _text(page: str) -> str:
    """What a reader of the HTML sees: tags (syntax highlighting spans included) removed, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("feedback") / "course")
    Submission(course).solve("rosenbrock_grad", SIGN_SLIP).write(course, "eve")
    nbgrader(course, "autograde", LESSON)
    nbgrader(course, "generate_feedback", LESSON)
    page = (course / "feedback" / "eve" / LESSON / f"{LESSON}.html").read_text()
    autograded = nbformat.read(course / "autograded" / "eve" / LESSON / f"{LESSON}.ipynb", as_version=4)
    graded = "\n".join(c.source for c in autograded.cells)
    graded += json.dumps([c.get("outputs", []) for c in autograded.cells])
    return page, _text(page), graded


def test_hidden_test_source_is_not_in_the_feedback(feedback):
    page, text, graded = feedback
    for grade_id in POINTS:
        name, _ = split_cell_id(grade_id)
        call = f'grade("{name}", {name})'
        assert call in graded  # the autograded notebook holds it: the feedback removed it
        assert call not in text and call not in page
    assert "BEGIN HIDDEN TESTS" not in text and "END HIDDEN TESTS" not in text


def test_feedback_shows_each_result_and_the_harness_messages(feedback):
    _, text, _ = feedback
    assert "rosenbrock: 10 of 10 hidden cases passed" in text and "Score: 2 / 2" in text
    assert re.search(r"rosenbrock_grad: \d of 10 hidden cases passed", text)
    assert "✗" in text and "expected:" in text and "received:" in text
    # the sign slip is a catalogued mistake: the feedback names it
    assert "Most likely mistake: sign error: d/dx1 of (a - x1)^2 is -2 (a - x1)" in text
    for name in ("forward_difference", "central_difference", "gradient_check", "torch_grad"):
        assert re.search(rf"{name}: (\d+) of \1 hidden cases passed", text), name
    assert text.count("Score: 3 / 3") == 4


def test_raw_results_for_the_verifier_are_not_in_the_feedback(feedback):
    page, _, graded = feedback
    assert "application/vnd.coursekit" not in graded and "application/vnd.coursekit" not in page
    assert MIME.startswith("application/vnd.coursekit")
    assert "__ndarray__" not in page
