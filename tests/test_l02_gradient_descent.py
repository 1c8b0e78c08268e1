"""Lesson 02: gradient descent equals torch.optim.SGD in float64, the seed results, schedules equal
torch's lr schedulers, the stability limit, and correct variants earn full marks."""
import math

import numpy as np
import pytest
import torch

from coursekit.descent import gradient_descent, max_stable_lr
from coursekit.functions import quadratic_grad, rosenbrock, rosenbrock_grad
from coursekit.grading import evaluate
from coursekit.schedules import exponential_decay, step_decay, time_based_decay

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
    assert ev.score == ev.exercise.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_a_wrong_schedule_is_caught_and_named():
    ev = evaluate("gradient_descent", lambda g, x0, lr, n: gd_list(g, x0, (lambda t: lr(t + 1)) if callable(lr) else lr, n))
    assert ev.score < ev.exercise.points and ev.mistakes[0] == "t_from_one"
