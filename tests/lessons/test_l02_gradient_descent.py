"""Lesson 02: gradient descent equals torch.optim.SGD in float64, the seed results, schedules equal
torch's lr schedulers, the stability limit, and correct variants earn full marks."""
import math
import re

import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate
from coursegrader.reference.critical_points import classify_critical_point
from coursegrader.reference.descent import gradient_descent, max_stable_lr
from coursegrader.reference.rosenbrock import rosenbrock, rosenbrock_grad
from coursegrader.reference.schedules import exponential_decay, step_decay, time_based_decay, warmup_cosine
from coursekit.check.task import raised
from coursekit.functions import quadratic_grad

X0 = np.array([2.0, 2.0])


def torch_descent(x0, lr_at, n_steps, a=1.0, b=1.0):
    """torch.optim.SGD on Rosenbrock in float64, the learning rate set before every step."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=lr_at(0))
    path = [x.detach().numpy().copy()]
    for t in range(n_steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(t)
        opt.zero_grad()
        ((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2).backward()
        opt.step()
        path.append(x.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("lr", [0.1, 0.2, 0.05])
def test_constant_lr_equals_torch_sgd(lr):
    path = gradient_descent(rosenbrock_grad, X0, lr, 100)
    assert path.shape == (101, 2) and path.dtype == np.float64
    np.testing.assert_allclose(path, torch_descent(X0, lambda t: lr, 100), atol=1e-10, rtol=1e-8)


def test_schedule_is_called_from_zero_and_equals_torch():
    lr = lambda t: time_based_decay(0.2, 0.01, t)  # noqa: E731
    calls = []
    gradient_descent(rosenbrock_grad, X0, lambda t: calls.append(t) or lr(t), 5)
    assert calls == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(gradient_descent(rosenbrock_grad, X0, lr, 100), torch_descent(X0, lr, 100),
                               atol=1e-10, rtol=1e-8)


def test_seed_results():
    end = gradient_descent(rosenbrock_grad, X0, 0.1, 100)[-1]
    assert np.linalg.norm(end - [1.0, 1.0]) < 0.03
    end = gradient_descent(rosenbrock_grad, X0, 0.2, 100)[-1]
    assert np.abs(end - [0.74, 0.89]).max() < 0.01
    assert rosenbrock(end) == pytest.approx(0.19, abs=0.01)
    assert np.linalg.norm(end - [1.0, 1.0]) > 0.25  # not converged
    end = gradient_descent(rosenbrock_grad, X0, lambda t: time_based_decay(0.2, 0.01, t), 100)[-1]
    assert rosenbrock(end) < 1e-4


def test_inputs_untouched_and_edge_cases():
    x0 = np.array([0.5, -0.5])
    path = gradient_descent(rosenbrock_grad, x0, 0.1, 0)
    np.testing.assert_array_equal(path, [[0.5, -0.5]])
    gradient_descent(rosenbrock_grad, x0, 0.1, 10)
    np.testing.assert_array_equal(x0, [0.5, -0.5])


def _torch_lr_sequence(make_scheduler, n):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


def test_schedules_equal_torch_schedulers():
    n = 60
    t = range(n)
    np.testing.assert_allclose([step_decay(1.0, 0.5, 7, i) for i in t],
                               _torch_lr_sequence(lambda o: torch.optim.lr_scheduler.StepLR(o, 7, 0.5), n),
                               rtol=1e-12)
    np.testing.assert_allclose([exponential_decay(1.0, 0.05, i) for i in t],
                               _torch_lr_sequence(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, math.exp(-0.05)), n),
                               rtol=1e-12)
    np.testing.assert_allclose([time_based_decay(1.0, 0.1, i) for i in t],
                               _torch_lr_sequence(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda i: 1 / (1 + 0.1 * i)), n),
                               rtol=1e-12)
    assert isinstance(step_decay(0.1, 0.5, 10, 3), float)


def test_max_stable_lr_is_the_stability_limit():
    rng = np.random.default_rng(3)
    for d in (2, 5):
        A = rng.normal(size=(d, d))
        H = A @ A.T + 0.1 * np.eye(d)
        limit = max_stable_lr(H)
        assert limit == pytest.approx(2 / np.linalg.eigvalsh(H).max(), rel=1e-12)
        x0 = rng.normal(size=d)
        grad = lambda x: quadratic_grad(x, H)  # noqa: E731, B023 - called within this iteration only
        below = gradient_descent(grad, x0, 0.98 * limit, 3000)[-1]
        above = gradient_descent(grad, x0, 1.02 * limit, 3000)[-1]
        assert np.linalg.norm(below) < 1e-3 * np.linalg.norm(x0)
        assert np.linalg.norm(above) > 1e3 * np.linalg.norm(x0)


# --- correct variants written differently earn full marks -----------------------------------

def gd_list(grad_f, x0, lr, n_steps):
    xs = [np.array(x0, dtype=float)]
    for t in range(n_steps):
        rate = lr(t) if callable(lr) else lr
        xs.append(xs[-1] - rate * grad_f(xs[-1]))
    return np.stack(xs)


def gd_inplace_copy(grad_f, x0, lr, n_steps):
    out = np.zeros((n_steps + 1, len(x0)))
    x = x0.copy()
    out[0] = x
    for t in range(n_steps):
        x -= (lr(t) if callable(lr) else lr) * grad_f(x)  # in place, but on a copy
        out[t + 1] = x
    return out


def gd_while(grad_f, x0, lr, n_steps):
    schedule = lr if callable(lr) else (lambda t: lr)
    path, t = [x0.astype(np.float64)], 0
    while t < n_steps:
        path.append(path[-1] - schedule(t) * np.asarray(grad_f(path[-1])))
        t += 1
    return np.array(path)


def msl_power_iteration(H):
    v = np.ones(len(H)) / np.sqrt(len(H)) + np.arange(len(H)) * 1e-3
    for _ in range(5000):
        v = H @ v
        v /= np.linalg.norm(v)
    return float(2 / (v @ H @ v))


def msl_eigvals(H):
    return 2.0 / max(np.linalg.eigvals(H).real)


@pytest.mark.parametrize("name,fn", [
    ("gradient_descent", gd_list), ("gradient_descent", gd_inplace_copy), ("gradient_descent", gd_while),
    ("max_stable_lr", msl_power_iteration), ("max_stable_lr", msl_eigvals),
    ("time_based_decay", lambda lr0, decay, t: lr0 * (1 + decay * t) ** -1),
    ("step_decay", lambda lr0, drop, every, t: lr0 * math.pow(drop, math.floor(t / every))),
    ("exponential_decay", lambda lr0, k, t: float(lr0 / np.exp(k * t))),
])
def test_correct_variants_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_a_wrong_schedule_is_caught_and_named():
    ev = evaluate("gradient_descent", lambda g, x0, lr, n: gd_list(g, x0, (lambda t: lr(t + 1)) if callable(lr) else lr, n))
    assert ev.score < ev.points and ev.mistakes[0] == "t_from_one"


# --- warmup_cosine and classify_critical_point -------------------------------------

@pytest.mark.parametrize("lr0, total, min_lr", [(1.0, 50, 0.0), (0.3, 17, 0.01), (2e-3, 200, 1e-5), (0.1, 1, 0.05)])
def test_warmup_cosine_without_warmup_equals_torch_cosine_annealing(lr0, total, min_lr):
    """CosineAnnealingLR(T_max=total, eta_min=min_lr) read from the optimizer's param_groups at every
    step t = 0, ..., total (torch's value is computed recursively, hence the 1e-12 tolerance)."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=min_lr)
    theirs = []
    for _ in range(total + 1):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    ours = [warmup_cosine(lr0, 0, total, t, min_lr=min_lr) for t in range(total + 1)]
    np.testing.assert_allclose(ours, theirs, atol=1e-12 * lr0, rtol=1e-10)
    assert ours[0] == lr0 and ours[-1] == pytest.approx(min_lr, abs=1e-15)


def hf_cosine_with_warmup(lr0, warmup, total, t, num_cycles=0.5):
    """transformers.get_cosine_schedule_with_warmup's lr_lambda (v4.x, written out: transformers is not
    installed), times the base rate lr0."""
    if t < warmup:
        return lr0 * float(t) / float(max(1, warmup))
    progress = float(t - warmup) / float(max(1, total - warmup))
    return lr0 * max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


@pytest.mark.parametrize("warmup, total", [(0, 30), (1, 2), (10, 100), (99, 100), (37, 250)])
def test_warmup_cosine_with_zero_floor_equals_transformers_schedule(warmup, total):
    for t in range(total + 1):
        assert warmup_cosine(0.7, warmup, total, t) == pytest.approx(hf_cosine_with_warmup(0.7, warmup, total, t),
                                                                      rel=1e-12, abs=1e-15), t


def test_warmup_cosine_shape():
    lr0, warmup, total, min_lr = 0.5, 8, 40, 0.05
    lrs = np.array([warmup_cosine(lr0, warmup, total, t, min_lr) for t in range(total + 10)])
    assert lrs[0] == 0.0                                     # the ramp starts at 0, not at min_lr
    np.testing.assert_allclose(np.diff(lrs[:warmup + 1]), lr0 / warmup, rtol=1e-12)  # linear up to lr0
    assert lrs[warmup] == lr0 and lrs.max() == lr0
    assert np.all(np.diff(lrs[warmup:total + 1]) < 0)         # strictly decreasing during the cosine
    assert lrs[(warmup + total) // 2] == pytest.approx((lr0 + min_lr) / 2, rel=1e-12)  # half-way: the mean
    assert np.all(lrs[total:] == min_lr)                      # and flat at min_lr from total on
    assert all(isinstance(v, float) for v in (warmup_cosine(1, 0, 5, 2), warmup_cosine(1, 2, 5, 1)))


@pytest.mark.parametrize("args, words", [
    ((0.1, 10, 10, 0), "warmup=10, total=10"), ((0.1, 11, 10, 0), "warmup=11, total=10"),
    ((0.1, -1, 10, 0), "warmup=-1"), ((0.1, 0, 0, 0), "total=0"), ((0.1, 2, 10, -3), "t=-3"),
])
def test_warmup_cosine_rejects_bad_input_clearly(args, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        warmup_cosine(*args)


def _rotated(eigenvalues, seed):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(lam), len(lam))))
    H = (q * lam) @ q.T
    return (H + H.T) / 2


@pytest.mark.parametrize("diag, kind", [
    ([1.0, 2.0], "minimum"), ([-1.0, -3.0, -0.5], "maximum"), ([2.0, -2.0], "saddle"), ([1.0, 0.0], "degenerate"),
    ([0.0, 0.0], "degenerate"), ([-1.0, 0.0, -2.0], "degenerate"), ([0.0, 1.0, -1.0], "saddle"), ([3.0], "minimum"),
    ([1e-9, 1.0], "degenerate"), ([1e-7, 1.0], "minimum"), ([-1e-7, -1.0], "maximum"),
])
def test_classify_critical_point_on_diagonal_and_rotated_matrices(diag, kind):
    assert classify_critical_point(np.diag(diag)) == kind
    # a rotation keeps the eigenvalues (up to rounding ~1e-16, far below tol): the same verdict
    for seed in range(3):
        assert classify_critical_point(_rotated(diag, seed)) == kind


def test_classify_critical_point_examples_of_the_lesson():
    # x**2 - y**2 at 0; (1 - a b)**2 at the origin (a saddle) and at (1, 1) (a valley of minima a b = 1)
    assert classify_critical_point([[2.0, 0.0], [0.0, -2.0]]) == "saddle"
    assert classify_critical_point([[0.0, -2.0], [-2.0, 0.0]]) == "saddle"
    assert classify_critical_point([[2.0, 2.0], [2.0, 2.0]]) == "degenerate"
    # tol is applied to the eigenvalues: a larger tol turns small curvatures into "nothing known"
    H = np.diag([1.0, 0.01])
    assert classify_critical_point(H) == "minimum" and classify_critical_point(H, tol=0.1) == "degenerate"
    H = np.diag([1.0, -0.01])
    assert classify_critical_point(H) == "saddle" and classify_critical_point(H, tol=0.1) == "degenerate"
    # symmetric within np.allclose is accepted (rounding of a numerical Hessian)
    assert classify_critical_point([[1.0, 0.5], [0.5 + 1e-12, 2.0]]) == "minimum"
    H = np.array([[1.0, 0.5], [0.5, 2.0]])
    classify_critical_point(H)
    np.testing.assert_array_equal(H, [[1.0, 0.5], [0.5, 2.0]])


@pytest.mark.parametrize("H, words", [
    (np.ones((2, 3)), "shape (2, 3)"), (np.ones(3), "shape (3,)"), (np.ones((2, 2, 2)), "shape (2, 2, 2)"),
    (np.zeros((0, 0)), "shape (0, 0)"), (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
])
def test_classify_critical_point_rejects_bad_input_clearly(H, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        classify_critical_point(H)


def ccp_eigvals_loop(H, tol=1e-8):
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError("H must be square")
    if not np.allclose(H, H.T):
        raise ValueError("H must be symmetric")
    signs = set()
    for lam in np.linalg.eigvals(H).real:
        signs.add(1 if lam > tol else -1 if lam < -tol else 0)
    if {1, -1} <= signs:
        return "saddle"
    return {frozenset({1}): "minimum", frozenset({-1}): "maximum"}.get(frozenset(signs), "degenerate")


def wc_piecewise(lr0, warmup, total, t, min_lr=0.0):
    if warmup < 0 or warmup >= total or t < 0:
        raise ValueError(f"bad schedule: warmup={warmup}, total={total}, t={t}")
    if t >= warmup:
        frac = min(t, total) - warmup
        return min_lr + 0.5 * (lr0 - min_lr) * (1 + np.cos(np.pi * frac / (total - warmup)))
    return t * (lr0 / warmup)


@pytest.mark.parametrize("name, fn", [("warmup_cosine", wc_piecewise), ("classify_critical_point", ccp_eigvals_loop)])
def test_critical_point_and_schedule_variants_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_bad_input_cases_need_a_value_error():
    """A function right on every good input that forgets the ValueError loses exactly the bad-input cases,
    and the report says what came back instead."""
    def no_checks(lr0, warmup, total, t, min_lr=0.0):
        if t < warmup:
            return lr0 * t / warmup
        if t > total:
            return min_lr
        return min_lr + (lr0 - min_lr) * (1 + math.cos(math.pi * (t - warmup) / (total - warmup))) / 2

    ev = evaluate("warmup_cosine", no_checks)
    failed = [r for r in ev.results if not r.passed]
    assert failed and all(r.case.label.startswith("bad input") for r in failed)
    assert all(r.expected == raised(ValueError) for r in failed)
    assert any("instead of raising ValueError" in str(r.received) for r in failed)
    assert 0 < ev.score < ev.points


def test_every_claim_of_the_lesson_is_a_whole_sentence_of_its_text():
    """A claim backs a sentence a reader reads, word for word: not a fragment of one."""
    from claimaudit import not_full_sentences, read

    from tools.editions import NOTEBOOKS

    assert not_full_sentences(read(NOTEBOOKS / "02_gradient_descent.ipynb")) == []
