"""The grading harness itself: messages, isolation of student code, determinism."""
import re
import sys
import warnings

import numpy as np
import pytest

from coursegrader.grading import Case, Exercise, evaluate, get_exercise, grade, register, unregister
from coursegrader.reference import rosenbrock as functions
from coursekit.check import check


@pytest.fixture
def registered():
    """Register throw-away exercises for one test (removed afterwards)."""
    names = []

    def add(ex):
        names.append(ex.name)
        return register(ex)
    yield add
    for name in names:
        unregister(name)


def good_rosenbrock(x, a=1.0, b=1.0):
    return (a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2


def b100_rosenbrock(x, a=1.0, b=1.0):
    return (a - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def test_check_passes_quietly_on_stdout(capsys):
    check("rosenbrock", good_rosenbrock)
    out, err = capsys.readouterr()
    assert "rosenbrock: 3 visible checks passed" in out and err == ""


def test_check_failure_names_exercise_input_expected_received_errors_and_mistake():
    with pytest.raises(AssertionError) as info:
        check("rosenbrock", b100_rosenbrock)
    text = str(info.value)
    assert text.startswith("rosenbrock: visible check failed")
    assert "input: x=(2, 2)" in text and "x = [2. 2.]" in text
    assert "expected: 5.0" in text and "received: 5.0" not in text
    assert re.search(r"max abs error [0-9.e+-]+, max rel error [0-9.e+-]+", text)
    assert "likely mistake: b is hard-coded to 100" in text


def test_grade_prints_report_to_stdout_and_returns_float(capsys):
    score = grade("rosenbrock", b100_rosenbrock)
    out, err = capsys.readouterr()
    assert err == ""
    assert type(score) is float and 0 < score < 2
    assert "✗" in out and "✓" in out and f"Score: {score:g} / 2" in out
    assert "Most likely mistake: b is hard-coded to 100" in out


def test_full_marks_are_exactly_the_points(capsys):
    assert grade("rosenbrock", good_rosenbrock) == 2.0


def test_not_implemented_is_reported_and_scores_zero(capsys):
    def stub(x, a=1.0, b=1.0):
        raise NotImplementedError()
    assert grade("rosenbrock", stub) == 0.0
    out, err = capsys.readouterr()
    assert "not done yet" in out and err == ""
    with pytest.raises(AssertionError, match="raised NotImplementedError"):
        check("rosenbrock", stub)


def test_exceptions_from_student_code_are_caught_and_described(capsys):
    def broken(x, a=1.0, b=1.0):
        return x[2]
    assert grade("rosenbrock", broken) == 0.0
    out, err = capsys.readouterr()
    assert "raised IndexError" in out and err == ""


def test_student_output_and_warnings_are_captured_and_cost_nothing(capfd):
    def noisy(x, a=1.0, b=1.0):
        print("debug print")
        print("to stderr", file=sys.stderr)
        warnings.warn("a student warning", stacklevel=1)
        np.log(np.array([-1.0]))  # RuntimeWarning from numpy
        return good_rosenbrock(x, a, b)
    assert grade("rosenbrock", noisy) == 2.0
    out, err = capfd.readouterr()
    assert err == ""  # nothing reaches the cell's stderr: nbgrader would give 0


def test_captured_output_is_shown_for_failing_cases(capsys):
    def noisy_wrong(x, a=1.0, b=1.0):
        print("my debug line")
        return 0.0
    grade("rosenbrock", noisy_wrong)
    out, _ = capsys.readouterr()
    assert "your function printed (this costs no points)" in out and "my debug line" in out


def test_inputs_modified_in_place_are_detected(capsys):
    def inplace_forward(f, x, eps=1e-6):
        fx = f(x)
        g = np.zeros_like(x)
        for i in range(x.size):
            x.flat[i] += eps
            g.flat[i] = (f(x) - fx) / eps
            x.flat[i] -= eps  # restores, but not bit for bit
        return g
    ev = evaluate("forward_difference", inplace_forward)
    problems = [r.problem for r in ev.results if not r.passed]
    assert problems and any("modified its input `x` in place" in p for p in problems)


def test_runaway_code_is_stopped(monkeypatch, capsys):
    monkeypatch.setattr(get_exercise("rosenbrock"), "time_limit", 0.05)

    def forever(x, a=1.0, b=1.0):
        while True:
            try:
                pass
            except Exception:  # a student's broad except must not swallow the time limit
                pass
    assert grade("rosenbrock", forever) == 0.0
    assert "took longer than 0.05 s" in capsys.readouterr().out


def test_delegating_to_the_reference_earns_nothing(capsys):
    def delegating(x, a=1.0, b=1.0):
        return functions.rosenbrock(x, a, b)
    assert grade("rosenbrock", delegating) == 0.0
    out = capsys.readouterr().out
    assert "coursegrader.reference.rosenbrock.rosenbrock" in out and "No credit" in out


def test_delegating_to_a_forbidden_library_function_earns_nothing(registered, capsys):
    import torch
    ex = Exercise(name="_test_sum", lesson="99_test", reference=lambda v: float(np.sum(v)), points=1,
                  visible=lambda: [Case("v", (np.arange(3.0),))], hidden=lambda: [Case("v", (np.arange(4.0),))],
                  forbidden=[torch.sum])
    registered(ex)
    assert grade(ex.name, lambda v: float(torch.sum(torch.tensor(v)))) == 0.0
    assert "torch" in capsys.readouterr().out
    assert grade(ex.name, lambda v: float(sum(v))) == 1.0


def test_grading_is_deterministic(capsys):
    def randomly_wrong(x, a=1.0, b=1.0):  # unseeded global RNG: the harness seeds it
        return good_rosenbrock(x, a, b) + (np.random.rand() < 0.5)
    scores = {grade("rosenbrock", randomly_wrong) for _ in range(3)}
    assert len(scores) == 1


def test_wrong_type_and_dtype_are_explained():
    def as_list(f, x, eps=1e-5):  # a list is read by value (spec section 2): these values are wrong
        return [0.0] * x.size
    def ragged(f, x, eps=1e-5):
        return [[0.0]] + [[0.0, 1.0]] * (x.size - 1)
    def as_dict(f, x, eps=1e-5):
        return {"grad": np.zeros(x.shape)}
    def float32(f, x, eps=1e-5):
        return np.zeros(x.shape, dtype=np.float32)
    problems = {r.problem for r in evaluate("central_difference", as_list).results}
    assert any("values differ" in p for p in problems) and not any("ndarray" in p for p in problems)
    problems = {r.problem for r in evaluate("central_difference", ragged).results}
    assert any("cannot be read as one array" in p for p in problems)
    problems = {r.problem for r in evaluate("central_difference", as_dict).results}
    assert any("expected a numpy ndarray, got builtins.dict" in p for p in problems)
    problems = {r.problem for r in evaluate("central_difference", float32).results}
    assert any("expected dtype float64, got float32" in p for p in problems)


def test_register_refuses_duplicate_names():
    ex = get_exercise("rosenbrock")
    with pytest.raises(ValueError, match="registered twice"):
        register(Exercise(**{**ex.__dict__, "reference": good_rosenbrock}))


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(KeyError, match="known: .*rosenbrock"):
        get_exercise("rosenbrok")


def test_compare_never_warns_on_extreme_values():
    from coursekit.check.verdict.compare import compare
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bad = compare(np.array([4e-309, 0.0, np.inf]), np.array([1.0, 2.0, np.nan]), 1e-10, 1e-8)
    assert bad is not None and bad.max_rel == np.inf and "3 of 3 values differ" in bad.what


def test_reference_runs_before_the_student_so_warm_up_is_not_charged(registered):
    order = []
    ex = Exercise(name="_test_order", lesson="99_test", reference=lambda v: order.append("reference") or 1.0,
                  points=1, visible=lambda: [Case("v", (1.0,))], hidden=lambda: [Case("a", (1.0,)), Case("b", (2.0,))])
    registered(ex)
    evaluate(ex.name, lambda v: order.append("student") or 1.0)
    assert order == ["reference", "reference", "student", "student"]


def test_torch_optimizer_stack_is_warmed_up_before_any_time_limit():
    import subprocess
    code = ("import sys, torch\n"
            "from coursekit.check import isolate\n"
            "assert 'torch._dynamo' not in sys.modules\n"
            "out = isolate.run_isolated(lambda: 1, time_limit=1.0)\n"
            "assert 'torch._dynamo' in sys.modules, 'not warmed up'\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
