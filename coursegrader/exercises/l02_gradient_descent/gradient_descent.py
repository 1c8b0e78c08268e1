"""gradient_descent: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.descent import gradient_descent
from coursegrader.reference.rosenbrock import rosenbrock_grad
from coursekit.check.tasks.l02_gradient_descent import GRADIENT_DESCENT, InvDecay, QuadGrad

from ._shared import random_spd


class RosenGrad:
    """Rosenbrock's gradient with its a and b (deep-copyable)."""

    def __init__(self, a=1.0, b=1.0):
        self.a, self.b = a, b

    def __call__(self, x):
        return rosenbrock_grad(x, self.a, self.b)


class Staircase:
    """lr(t) = lr0 * drop ** (t // every): the first step uses lr0."""

    def __init__(self, lr0, drop, every):
        self.lr0, self.drop, self.every = lr0, drop, every

    def __call__(self, t):
        return self.lr0 * self.drop ** (t // self.every)


def sin_grad(x):
    return np.cos(x) + 0.2 * x


def hidden_cases():
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
        Case("one coordinate, grad = cos(x) + 0.2 x, lr=0.5, 10 steps", (sin_grad, np.array([3.0]), 0.5, 10)),
    ]
    for seed in (1, 2):
        d = 3 + seed
        H = random_spd(seed, d)
        x0 = np.random.default_rng(100 + seed).normal(size=d)
        lr = 1.0 / np.linalg.eigvalsh(H).max()
        cases.append(Case(f"random SPD quadratic in {d}-d (seed {seed}), lr={lr:.3g}, 12 steps",
                          (QuadGrad(H), x0, lr, 12)))
    return cases


def t_from_one(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(1, n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape((n_steps + 1,) + x.shape)


def no_x0(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = []
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape((n_steps,) + x.shape)


def aliased_rows(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x]
    for t in range(n_steps):
        x -= (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x)
    return np.array(path)


def ascent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(n_steps):
        x = x + (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path)


def stale_gradient(grad_f, x0, lr, n_steps):
    x0 = np.array(x0, dtype=np.float64)
    g = grad_f(x0)
    x = x0.copy()
    path = [x.copy()]
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * g
        path.append(x.copy())
    return np.array(path)


def one_step_too_many(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path)


EXERCISE = Exercise.of(
    GRADIENT_DESCENT, reference=gradient_descent, points=6, hidden=hidden_cases,
    mistakes=[
        Mistake("t_from_one", "the schedule is called with t = 1, 2, ...; the first step uses lr(0)", t_from_one),
        Mistake("no_x0", "the trajectory misses its start: row 0 must be x0, so there are n_steps + 1 rows", no_x0),
        Mistake("aliased_rows", "every row is the same array object updated in place (x -= ...), so all "
                "rows show the last point; store a copy, or write x = x - lr * g", aliased_rows),
        Mistake("ascent", "the step goes up the gradient (x + lr * g); descent subtracts it", ascent),
        Mistake("stale_gradient", "the gradient is computed once at x0 and reused; evaluate grad_f at the "
                "current point every step", stale_gradient),
        Mistake("one_step_too_many", "the loop takes n_steps + 1 steps", one_step_too_many),
    ])
