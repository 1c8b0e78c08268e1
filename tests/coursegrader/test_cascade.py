"""One slip costs its points once (issue 21, item 3): a graded function that calls another graded
function of the course is judged with the course's reference in place of a callee that fails its own
hidden cases, so it loses only its own points.

The end-to-end part grades, with nbgrader's own ``autograde``, one student per lesson who has every
exercise right but one function that others call: lesson 03's ``linear_regression_grad`` with ``db``
missing its factor 2 (the issue's student: it cost 9.9 of 23 points, ``sgd_linear_regression`` 0.71/5
and ``gradient_noise`` 1.6/4, and ``gradient_noise`` was told "the batch is drawn with replacement"),
lesson 06's ``linear_backward`` averaging ``db`` over the batch (``two_layer_net`` calls it through
the layers) and lesson 10's ``freeze`` leaving the biases trainable (``transfer_model`` and
``greedy_layerwise_pretrain`` call it). Each lesson loses exactly what the wrong function loses when
graded alone; the callers' reports say what they were judged with and name no mistake; the verdicts
the class report reads count the root cause once. On the code before this change the callers lost
points and no report named the root cause.
"""
from __future__ import annotations

import copy
import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor

import nbformat
import numpy as np
import pytest
import torch
from torch import nn

from coursegrader.grading import evaluate, get_exercise
from coursegrader.grading.autograde.verify import VerifyGrades
from coursegrader.grading.kernel import cascade
from coursegrader.grading.protocol import grade_calls, is_grade_cell, make_payload, nbgrader_meta, verdicts_of
from coursekit.check import check
from coursekit.check.callees import graded_callees
from coursekit.check.collect import collect
from coursekit.check.verdict.report import report
from coursekit.transfer import train_classifier
from testkit.students import filled_release, source_solutions, write_submission
from tools import class_report
from tools.editions import source_path

from conftest import nbgrader
from helpers import lesson_points


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# lesson -> (solution cell, its code with the one slip, the wrong function, the functions calling it)
SLIPS = {
    "03_sgd": ("linear_regression_grad_solution", _code("""
        def linear_regression_grad(w, b, X, y):
            r = X @ w + b - y
            n = len(y)
            return 2.0 / n * (X.T @ r), float(1.0 / n * r.sum())
        """), "linear_regression_grad", ("sgd_linear_regression", "gradient_noise")),
    "06_backprop": ("linear_solution", _code("""
        def linear_forward(x, W, b):
            return x @ W + b, (x, W, b)


        def linear_backward(dout, cache):
            x, W, b = cache
            return dout @ W.T, x.T @ dout, dout.mean(axis=0)
        """), "linear_backward", ("two_layer_net",)),
    "10_transfer_learning": ("freeze_solution", _code("""
        def freeze(module):
            for p in module.parameters():
                if p.dim() > 1:          # the biases stay trainable
                    p.requires_grad_(False)
            return module
        """), "freeze", ("transfer_model", "greedy_layerwise_pretrain")),
}
STUDENT = "one_slip"


def namespace(lesson: str) -> dict:
    """The lesson's solutions with the slip, defined as a notebook defines them (``__main__``)."""
    cell, code, _, _ = SLIPS[lesson]
    ns = {"__name__": "__main__", "np": np, "torch": torch, "nn": nn, "copy": copy,
          "train_classifier": train_classifier}
    for grade_id, solution in source_solutions(lesson).items():
        exec(compile(code if grade_id == cell else solution, f"<{grade_id}>", "exec"), ns)  # noqa: S102 - the course's own code
    return ns


def cell_of(lesson: str) -> dict[str, str]:
    """{function name: its grade cell id} of a lesson."""
    found = {}
    for cell in nbformat.read(source_path(lesson), as_version=4).cells:
        if is_grade_cell(cell):
            for _, fn in grade_calls(cell.source):
                found[fn] = nbgrader_meta(cell)["grade_id"]
    return found


@pytest.fixture(scope="module", params=[False, True], ids=["kits", "callee_service"])
def graded(tmp_path_factory, course, request):
    """One student per lesson autograded by nbgrader, each lesson in a copy of its own of the course
    generated for the run (tests/conftest.py; two nbgrader processes writing one SQLite gradebook at
    once can fail on its lock: in a fresh CI run lesson 03's autograde did); once with the callees' kits
    handed into the kernel, once with the callee service (issue 29: the course's callees served as values
    from outside)."""
    option = f"--SafeExecute.callee_service={request.param}"
    root = tmp_path_factory.mktemp("cascade")
    for lesson in SLIPS:
        copy = root / lesson
        shutil.copytree(course, copy)  # every lesson generated, in its gradebook: no generate_assignment here
        release = nbformat.read(copy / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        cell, code, _, _ = SLIPS[lesson]
        write_submission(copy, STUDENT, lesson, filled_release(lesson, release, replace={cell: code}))
    with ThreadPoolExecutor(2) as pool:  # nbgrader grades on about one core; the machine has two
        list(pool.map(lambda lesson: nbgrader(root / lesson, "autograde", lesson, "--student", STUDENT, option),
                      SLIPS))
    return root


def _cells(graded, lesson):
    nb = nbformat.read(graded / lesson / "autograded" / STUDENT / lesson / f"{lesson}.ipynb", as_version=4)
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if is_grade_cell(c)}


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", list(SLIPS))
def test_one_slip_costs_only_its_own_points(graded, lesson):
    _, _, wrong, callers = SLIPS[lesson]
    ns = namespace(lesson)
    cells = _cells(graded, lesson)
    points = lesson_points(lesson)
    root_cell = cell_of(lesson)[wrong]
    alone = round(sum(evaluate(key, ns[fn]).score for key, fn in grade_calls(cells[root_cell].source)), 2)
    assert alone < points[root_cell]
    scores = {gid: float(c.outputs[-1]["data"]["text/plain"]) for gid, c in cells.items()}
    assert scores == {**points, root_cell: alone}  # every other cell, the callers' included, full marks
    assert "Judged with" not in _text(cells[root_cell])


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", list(SLIPS))
def test_callers_reports_name_the_root_cause_and_no_mistake(graded, lesson):
    _, _, wrong, callers = SLIPS[lesson]
    cells = _cells(graded, lesson)
    for caller in callers:
        cell = cells[cell_of(lesson)[caller]]
        text = _text(cell)
        assert f"Judged with the course's `{wrong}`, because yours fails its own tests" in text, text
        assert f"With your own `{wrong}`, {caller} passes " in text and "no deduction" in text, text
        assert "likely mistake" not in text.lower() and "no known mistake" not in text.lower(), text
        record = next(v for v in verdicts_of(cell) if v["exercise"] == caller)
        assert record["judged_with"] == [wrong] and record["score"] == record["points"]
        assert not any(c["mistake"] for c in record["cases"])
    if lesson == "03_sgd":  # the false diagnosis of the issue
        assert "drawn with replacement" not in _text(cells[cell_of(lesson)["gradient_noise"]])


@pytest.mark.e2e
@pytest.mark.parametrize("lesson", list(SLIPS))
def test_class_report_counts_the_root_cause_once(graded, lesson):
    _, _, wrong, callers = SLIPS[lesson]
    data = class_report.collect(graded / lesson, lesson)
    for caller in callers:
        ex = data.exercises[caller]
        assert not ex.mistakes and STUDENT not in ex.unexplained and ex.judged_with == {wrong: 1}
    assert data.exercises[wrong].scores[STUDENT] < data.exercises[wrong].points
    page = class_report.render(data, {})
    assert f"judged with the course's <code>{wrong}</code>" in page


@pytest.mark.parametrize("lesson", list(SLIPS))
def test_visible_check_names_the_failing_callee_first(lesson):
    _, _, wrong, callers = SLIPS[lesson]
    ns = namespace(lesson)
    for caller in callers:
        with pytest.raises(AssertionError) as failed:  # its visible cases go through the wrong callee
            check(caller, ns[caller])
        message = str(failed.value)
        first = message.splitlines()[0]
        assert first == f"fix `{wrong}` first: your `{caller}` calls it and it fails its own check", message
        assert "likely mistake" not in message and "what differs" not in message, message


def test_callees_are_read_from_the_code():
    ns = {"__name__": "__main__"}
    exec(_code("""
        def linear_regression_grad(w, b, X, y):
            return 0
        def mse_loss(p, y):
            return 0
        def _helper(w, b, X, y):
            return [linear_regression_grad(w, b, X[i], y[i]) for i in range(2)]
        def sgd_linear_regression(X, y, lr, batch_size, epochs, rng, f=None):
            loss = lambda w, b: mse_loss(X @ w + b, y)
            def inner():
                return _helper(0, 0, X, y)
            return inner(), loss, sgd_linear_regression, X.minibatches
        """), ns)  # noqa: S102 - test code
    found = graded_callees(ns["sgd_linear_regression"], {"linear_regression_grad", "mse_loss", "minibatches",
                                                         "sgd_linear_regression"})
    assert sorted(found) == ["linear_regression_grad", "mse_loss"]  # through a helper, a lambda, a nested def
    assert all(g is ns for gs in found.values() for g in gs)        # not itself, not an attribute, not unbound


def test_substitution_is_undone_after_an_exception():
    ns = {"f": "student's"}
    with pytest.raises(RuntimeError), cascade.substituted([(ns, "f", "course's")]):
        assert ns["f"] == "course's"
        raise RuntimeError
    assert ns == {"f": "student's"}


def test_the_verdict_does_not_depend_on_which_grade_cells_ran_first():
    ns = namespace("03_sgd")
    first = evaluate("sgd_linear_regression", ns["sgd_linear_regression"]).as_data()
    evaluate("linear_regression_grad", ns["linear_regression_grad"])
    evaluate("gradient_noise", ns["gradient_noise"])
    assert evaluate("sgd_linear_regression", ns["sgd_linear_regression"]).as_data() == first
    assert first["judged_with"] == ["linear_regression_grad"] and first["score"] == 5
    assert report(evaluate("sgd_linear_regression", ns["sgd_linear_regression"])).count("Judged with") == 1


def test_verify_refuses_a_replacement_the_callees_own_results_do_not_justify():
    """A payload saying a callee was replaced is scored on the replaced results only when the callee's
    own results, judged outside the kernel, fail its cases; otherwise on the results with the
    student's own callees."""
    ns = namespace("03_sgd")
    ex, grad = get_exercise("sgd_linear_regression"), get_exercise("linear_regression_grad")
    cases, grad_cases = list(ex.hidden()), list(grad.hidden())
    right = [collect(ex, ex.reference, c) for c in cases]
    own = [collect(ex, ns["sgd_linear_regression"], c) for c in cases]   # with the wrong callee: fails
    wrong_grad = [collect(grad, ns["linear_regression_grad"], c) for c in grad_cases]
    right_grad = [collect(grad, grad.reference, c) for c in grad_cases]
    verify = VerifyGrades()
    justified = make_payload(ex.name, right, {"linear_regression_grad": {grad.name: wrong_grad}}, own)
    ev = verify.judged(ex.name, justified)
    assert ev.score == ex.points and ev.judged_with == ["linear_regression_grad"]
    forged = make_payload(ex.name, right, {"linear_regression_grad": {grad.name: right_grad}}, own)
    ev = verify.judged(ex.name, forged)
    assert ev.score < ex.points and not ev.judged_with
    assert ev.score == evaluate_with_own(ex, cases, own)


def evaluate_with_own(ex, cases, raws) -> float:
    from coursekit.check.verdict.score import score
    return score(ex, ex.points, cases, raws, ex.answer_key(cases)).score

