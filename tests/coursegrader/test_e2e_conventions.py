"""Issue 15 end to end: correct code written with another convention gets full marks through
nbgrader's real autograde, with the convention named in the feedback (spec section 2).

A copy of the course generated for the session (tests/conftest.py) and one student, ``conventions``, whose solutions
are right but keep the momentum buffer under ``'buf'`` (lesson 04), make their own layer caches
(``(x, W)`` for linear, the mask for ReLU) and return a gradient as a Python list (lesson 06).
"""
import shutil

import nbformat
import pytest

from coursegrader.coursedir import gradebook
from coursegrader.grading.protocol import is_grade_cell, nbgrader_meta
from testkit.students import filled_release, write_submission

from conftest import nbgrader
from helpers import lesson_points

SGD_WITH_BUF = '''
import numpy as np


def sgd_momentum_step(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0,
                      weight_decay=0.0, nesterov=False):
    g = grad + weight_decay * params
    if momentum == 0:
        return params - lr * g, state
    if "buf" in state:
        buf = momentum * state["buf"] + (1 - dampening) * g
    else:
        buf = g
    d = g + momentum * buf if nesterov else buf
    return params - lr * d, {"buf": buf}
'''

LESSON_06 = {
    "linear_solution": '''
def linear_forward(x, W, b):
    return x @ W + b, (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
''',
    "relu_solution": '''
def relu_forward(x):
    return np.maximum(x, 0.0), x > 0


def relu_backward(dout, cache):
    return dout * cache
''',
    "mse_forward_backward_solution": '''
def mse_forward_backward(pred, y):
    diff = pred - y
    return float(np.mean(diff ** 2)), (2.0 * diff / diff.size).tolist()
''',
}

STUDENT = "conventions"
SOLUTIONS = {
    "04_momentum": {f"sgd_momentum_step_{stage}_solution": SGD_WITH_BUF.strip()
                    for stage in ("momentum", "nesterov", "full")},
    "06_backprop": {cell: code.strip() for cell, code in LESSON_06.items()},
}
NOTES = {  # grade cell -> what its feedback must say
    "sgd_momentum_step_momentum_grade": "your 'buf' holds what torch calls 'momentum_buffer'",
    "sgd_momentum_step_full_grade": "your 'buf' holds what torch calls 'momentum_buffer'",
    "mse_forward_backward_grade": "you return a list where the lesson returns a numpy array",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    generated, course = course, tmp_path_factory.mktemp("conventions") / "course"
    shutil.copytree(generated, course)  # the session's generated course: every lesson in its gradebook
    for lesson, replace in SOLUTIONS.items():
        release = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        write_submission(course, STUDENT, lesson, filled_release(lesson, release, replace=replace))
        nbgrader(course, "autograde", lesson)
    return course


def _reports(course, lesson):
    nb = nbformat.read(course / "autograded" / STUDENT / lesson / f"{lesson}.ipynb", as_version=4)
    return {nbgrader_meta(c)["grade_id"]: "".join(o.get("text", "") for o in c.outputs)
            for c in nb.cells if is_grade_cell(c)}


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", list(SOLUTIONS))
def test_another_convention_gets_full_marks_with_a_note(graded, lesson):
    with gradebook(graded) as gb:
        nb = gb.find_submission_notebook(lesson, lesson, STUDENT)
        scores = {g.name: g.score for g in nb.grades if g.cell_type == "code" and g.auto_score is not None}
    assert scores == lesson_points(lesson)
    reports = _reports(graded, lesson)
    for grade_id, note in NOTES.items():
        if grade_id in reports:
            assert note in reports[grade_id] and "cost no points" in reports[grade_id], reports[grade_id]
    if lesson == "06_backprop":  # own caches: full marks, and no note (a cache's layout is free)
        assert "linear_backward: 6 of 6 hidden cases passed" in reports["linear_grade"], reports["linear_grade"]
