"""Lesson 02 (gradient descent and the learning rate): cases and known mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursekit.descent import gradient_descent, max_stable_lr
from coursekit.functions import rosenbrock_grad
from coursekit.grading import Case, Exercise, Mistake, register
from coursekit.schedules import exponential_decay, step_decay, time_based_decay

LESSON = "02_gradient_descent"


def _fmt(x):
    return "(" + ", ".join(f"{v:.3g}" for v in np.ravel(x)) + ")"


# --- gradient functions and schedules used by the cases (self-contained, deep-copyable) ------

class QuadGrad:
    """The gradient ``H @ x`` of ``0.5 x @ H @ x``."""

    def __init__(self, H):
        self.H = np.asarray(H, dtype=np.float64)

    def __call__(self, x):
        return self.H @ x


class RosenGrad:
    def __init__(self, a=1.0, b=1.0):
        self.a, self.b = a, b

    def __call__(self, x):
        return rosenbrock_grad(x, self.a, self.b)


class InvDecay:
    """lr(t) = lr0 / (1 + decay t)."""

    def __init__(self, lr0, decay):
        self.lr0, self.decay = lr0, decay

    def __call__(self, t):
        return self.lr0 / (1.0 + self.decay * t)


class Staircase:
    """lr(t) = lr0 * drop ** (t // every): the first step uses lr0."""

    def __init__(self, lr0, drop, every):
        self.lr0, self.drop, self.every = lr0, drop, every

    def __call__(self, t):
        return self.lr0 * self.drop ** (t // self.every)


def _sin_grad(x):
    return np.cos(x) + 0.2 * x


def _random_spd(seed, d):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return A @ A.T + 0.5 * np.eye(d)


# --- gradient_descent -----------------------------------------------------------------------

def _gd_cases(hidden):
    if not hidden:
        return [Case("rosenbrock from (2, 2), lr=0.1, 3 steps", (RosenGrad(), np.array([2.0, 2.0]), 0.1, 3)),
                Case("quadratic H=diag(1, 10) from (1, 1), lr=0.05, 4 steps",
                     (QuadGrad(np.diag([1.0, 10.0])), np.array([1.0, 1.0]), 0.05, 4)),
                Case("rosenbrock from (2, 2), lr(t) = 0.2 / (1 + 0.5 t), 3 steps",
                     (RosenGrad(), np.array([2.0, 2.0]), InvDecay(0.2, 0.5), 3))]
    cases = [
        Case("rosenbrock from (2, 2), lr=0.1, 100 steps (the seed run)", (RosenGrad(), np.array([2.0, 2.0]), 0.1, 100)),
        Case("rosenbrock from (2, 2), lr=0.2, 100 steps (does not converge)", (RosenGrad(), np.array([2.0, 2.0]), 0.2, 100)),
        Case("rosenbrock from (2, 2), lr(t) = 0.2 / (1 + 0.01 t), 100 steps",
             (RosenGrad(), np.array([2.0, 2.0]), InvDecay(0.2, 0.01), 100)),
        Case("rosenbrock a=2, b=10 from (-1, 1), lr(t) = 0.01 * 0.5 ** (t // 5), 20 steps",
             (RosenGrad(2.0, 10.0), np.array([-1.0, 1.0]), Staircase(0.01, 0.5, 5), 20)),
        Case("quadratic H=diag(1, 10), lr=0.21 > 2/10: diverges along x2, 15 steps",
             (QuadGrad(np.diag([1.0, 10.0])), np.array([1.0, 1.0]), 0.21, 15)),
        Case("n_steps=0: the trajectory is x0 alone, shape (1, d)", (RosenGrad(), np.array([0.5, -0.5]), 0.1, 0)),
        Case("lr=0: the point never moves", (RosenGrad(), np.array([0.5, -0.5]), 0.0, 3)),
        Case("one coordinate, grad = cos(x) + 0.2 x, lr=0.5, 10 steps", (_sin_grad, np.array([3.0]), 0.5, 10)),
    ]
    for seed in (1, 2):
        d = 3 + seed
        H = _random_spd(seed, d)
        x0 = np.random.default_rng(100 + seed).normal(size=d)
        lr = 1.0 / np.linalg.eigvalsh(H).max()
        cases.append(Case(f"random SPD quadratic in {d}-d (seed {seed}), lr={lr:.3g}, 12 steps",
                          (QuadGrad(H), x0, lr, 12)))
    return cases


def _gd_t_from_one(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(1, n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape((n_steps + 1,) + x.shape)


def _gd_no_x0(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = []
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape((n_steps,) + x.shape)


def _gd_aliased(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x]
    for t in range(n_steps):
        x -= (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x)
    return np.array(path)


def _gd_ascent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(n_steps):
        x = x + (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path)


def _gd_grad_at_x0(grad_f, x0, lr, n_steps):
    x0 = np.array(x0, dtype=np.float64)
    g = grad_f(x0)
    x = x0.copy()
    path = [x.copy()]
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * g
        path.append(x.copy())
    return np.array(path)


def _gd_one_extra(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path)


register(Exercise(
    name="gradient_descent", lesson=LESSON, reference=gradient_descent, points=6,
    visible=lambda: _gd_cases(False), hidden=lambda: _gd_cases(True),
    mistakes=[
        Mistake("t_from_one", "the schedule is called with t = 1, 2, ...; the first step uses lr(0)",
                _gd_t_from_one),
        Mistake("no_x0", "the trajectory misses its start: row 0 must be x0, so there are n_steps + 1 rows",
                _gd_no_x0),
        Mistake("aliased_rows", "every row is the same array object updated in place (x -= ...), so all "
                "rows show the last point; store a copy, or write x = x - lr * g", _gd_aliased),
        Mistake("ascent", "the step goes up the gradient (x + lr * g); descent subtracts it", _gd_ascent),
        Mistake("stale_gradient", "the gradient is computed once at x0 and reused; evaluate grad_f at the "
                "current point every step", _gd_grad_at_x0),
        Mistake("one_step_too_many", "the loop takes n_steps + 1 steps", _gd_one_extra),
    ]))


# --- learning-rate schedules ----------------------------------------------------------------

def _sched_cases(kind, hidden):
    if kind == "time":
        vis = [Case("lr0=0.2, decay=0.01, t=0", (0.2, 0.01, 0)),
               Case("lr0=0.2, decay=0.01, t=100", (0.2, 0.01, 100)),
               Case("lr0=1, decay=0.5, t=3", (1.0, 0.5, 3))]
        hid = [Case("lr0=0.1, decay=0, t=50: no decay", (0.1, 0.0, 50)),
               Case("lr0=0.3, decay=2, t=7", (0.3, 2.0, 7)),
               Case("lr0=0.05, decay=1e-3, t=10000", (0.05, 1e-3, 10000)),
               Case("lr0=1, decay=1, t=1: halved", (1.0, 1.0, 1))]
    elif kind == "step":
        vis = [Case("lr0=0.1, drop=0.5, every=10, t=0", (0.1, 0.5, 10, 0)),
               Case("lr0=0.1, drop=0.5, every=10, t=25", (0.1, 0.5, 10, 25)),
               Case("lr0=1, drop=0.1, every=3, t=3", (1.0, 0.1, 3, 3))]
        hid = [Case("lr0=0.1, drop=0.5, every=10, t=9: still the first stair", (0.1, 0.5, 10, 9)),
               Case("lr0=0.1, drop=0.5, every=10, t=10: first drop", (0.1, 0.5, 10, 10)),
               Case("lr0=0.2, drop=0.9, every=1, t=7: every step", (0.2, 0.9, 1, 7)),
               Case("lr0=2, drop=0.25, every=4, t=17", (2.0, 0.25, 4, 17)),
               Case("lr0=0.1, drop=0.5, every=100, t=350", (0.1, 0.5, 100, 350))]
    else:
        vis = [Case("lr0=0.1, k=0.1, t=0", (0.1, 0.1, 0)),
               Case("lr0=0.1, k=0.1, t=10", (0.1, 0.1, 10)),
               Case("lr0=1, k=0.5, t=3", (1.0, 0.5, 3))]
        hid = [Case("lr0=0.2, k=0, t=40: no decay", (0.2, 0.0, 40)),
               Case("lr0=0.3, k=0.01, t=250", (0.3, 0.01, 250)),
               Case("lr0=1, k=2, t=1", (1.0, 2.0, 1)),
               Case("lr0=0.05, k=1e-4, t=7", (0.05, 1e-4, 7))]
    return hid if hidden else vis


def _tbd_missing_paren(lr0, decay, t):
    return float(lr0 / 1.0 + decay * t)


def _tbd_multiplied(lr0, decay, t):
    return float(lr0 * (1.0 - decay * t))


def _tbd_t_plus_one(lr0, decay, t):
    return float(lr0 / (1.0 + decay * (t + 1)))


def _tbd_power(lr0, decay, t):
    return float(lr0 / (1.0 + decay) ** t)


register(Exercise(
    name="time_based_decay", lesson=LESSON, reference=time_based_decay, points=1,
    visible=lambda: _sched_cases("time", False), hidden=lambda: _sched_cases("time", True),
    mistakes=[
        Mistake("missing_parentheses", "lr0 / 1 + decay * t: the denominator needs parentheses, "
                "lr0 / (1 + decay * t)", _tbd_missing_paren),
        Mistake("linear", "lr0 * (1 - decay * t) decays linearly (and turns negative); divide by 1 + decay * t",
                _tbd_multiplied),
        Mistake("t_plus_one", "uses t + 1: at t = 0 the rate must be lr0", _tbd_t_plus_one),
        Mistake("power", "lr0 / (1 + decay) ** t is an exponential decay; time-based decay divides by "
                "1 + decay * t", _tbd_power),
    ]))


def _sd_true_division(lr0, drop, every, t):
    return float(lr0 * drop ** (t / every))


def _sd_per_step(lr0, drop, every, t):
    return float(lr0 * drop ** t)


def _sd_plus_one(lr0, drop, every, t):
    return float(lr0 * drop ** ((t + 1) // every))


def _sd_linear(lr0, drop, every, t):
    return float(lr0 * drop * (t // every)) if t >= every else float(lr0)


register(Exercise(
    name="step_decay", lesson=LESSON, reference=step_decay, points=2,
    visible=lambda: _sched_cases("step", False), hidden=lambda: _sched_cases("step", True),
    mistakes=[
        Mistake("true_division", "t / every makes a smooth curve; the staircase needs integer division t // every",
                _sd_true_division),
        Mistake("every_ignored", "drops every step (drop ** t); the exponent is t // every", _sd_per_step),
        Mistake("early_drop", "(t + 1) // every drops one step too early: the first drop is at t = every",
                _sd_plus_one),
        Mistake("multiplied", "multiplies by drop * (t // every) instead of raising drop to the power t // every",
                _sd_linear),
    ]))


def _ed_no_minus(lr0, k, t):
    return float(lr0 * math.exp(k * t))


def _ed_power(lr0, k, t):
    return float(lr0 * k ** t)


def _ed_one_minus(lr0, k, t):
    return float(lr0 * (1.0 - k) ** t)


register(Exercise(
    name="exponential_decay", lesson=LESSON, reference=exponential_decay, points=1,
    visible=lambda: _sched_cases("exp", False), hidden=lambda: _sched_cases("exp", True),
    mistakes=[
        Mistake("sign", "exp(k * t) grows; the decay is exp(-k * t)", _ed_no_minus),
        Mistake("power_of_k", "lr0 * k ** t; the formula is lr0 * exp(-k * t)", _ed_power),
        Mistake("discrete", "lr0 * (1 - k) ** t is close for small k but not the same; use exp(-k * t)",
                _ed_one_minus),
    ]))


# --- max_stable_lr --------------------------------------------------------------------------

def _msl_cases(hidden):
    if not hidden:
        return [Case("H=diag(1, 10)", (np.diag([1.0, 10.0]),)),
                Case("H=[[3, 1], [1, 2]]", (np.array([[3.0, 1.0], [1.0, 2.0]]),))]
    cases = [Case("H=[[2]] (one dimension)", (np.array([[2.0]]),)),
             Case("H=diag(25, 1): the largest eigenvalue comes first", (np.diag([25.0, 1.0]),)),
             Case("H=[[1, 0.9], [0.9, 1]]: eigenvalues 0.1 and 1.9, diagonal 1", (np.array([[1.0, 0.9], [0.9, 1.0]]),)),
             Case("H=[[4, -2, 0], [-2, 4, -2], [0, -2, 4]]", (np.array([[4.0, -2, 0], [-2, 4, -2], [0, -2, 4]]),)),
             Case("H=1e-3 * identity(3): tiny curvature, large lr", (1e-3 * np.eye(3),))]
    for seed in (3, 4, 5):
        d = 2 + seed
        cases.append(Case(f"random SPD {d}x{d} (seed {seed})", (_random_spd(seed, d),)))
    return cases


def _msl_one_over(H):
    return float(1.0 / np.linalg.eigvalsh(H).max())


def _msl_lambda_min(H):
    return float(2.0 / np.linalg.eigvalsh(H).min())


def _msl_diag(H):
    return float(2.0 / np.max(np.diag(H)))


def _msl_norm(H):
    return float(2.0 / np.linalg.norm(H))


def _msl_first(H):
    return float(2.0 / np.linalg.eigvalsh(H)[0])


register(Exercise(
    name="max_stable_lr", lesson=LESSON, reference=max_stable_lr, points=3,
    visible=lambda: _msl_cases(False), hidden=lambda: _msl_cases(True),
    mistakes=[
        Mistake("one_over", "1 / lambda_max is where the fastest direction is solved in one step; the "
                "stability limit is |1 - lr lambda| < 1, i.e. lr < 2 / lambda_max", _msl_one_over),
        Mistake("lambda_min", "uses the smallest eigenvalue; the stiffest direction (largest eigenvalue) "
                "sets the limit", _msl_lambda_min),
        Mistake("diagonal", "uses the largest diagonal entry; it equals the largest eigenvalue only for a "
                "diagonal H: use the eigenvalues (np.linalg.eigvalsh)", _msl_diag),
        Mistake("frobenius_norm", "np.linalg.norm(H) is the Frobenius norm, not the largest eigenvalue",
                _msl_norm),
    ]))
