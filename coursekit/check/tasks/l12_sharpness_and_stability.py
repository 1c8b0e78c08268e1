"""Lesson 12 (sharpness and stability): its graded functions as a student's kernel sees them.

Visible inputs only. The functions and callables the cases hand to a student's function are small
ones of this module, each with a ``__repr__`` (or a docstring) that a failed check prints:

- ``hvp``: scalar functions written with torch operations (``cubic``, ``rosenbrock_t``, ``linear``);
- ``top_eigenvalue``: ``MatVec``, ``v -> H @ v`` for a fixed matrix;
- ``lr_range_test``: ``(loss, grad)`` callables (``Quadratic``, ``LeastSquares``, ``LogLoss``);
- ``sam_step``: gradients (``QuadGrad``, ``RosenbrockGrad``, ``MatrixGrad``), run for ``n_steps``
  steps by :func:`sam_steps`;
- ``grad_scaler_update``: the overflow flag of each step (``found_infs``), threaded by
  :func:`scaler_scales`.

Bad input is a case with ``raises=ValueError``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.fx.experimental.symbolic_shapes  # noqa: F401 - see below

from ..task import Case, Task

# torch.autograd.grad imports this module (and sympy with it: about 500 modules, a second or more on
# a busy machine) the first time it is given grad_outputs, which every hvp does. Imported here, with
# the task, it is paid before a check arms its time limit, not inside a student's first hvp (the
# grader runs the reference first on every case, so only the visible check needs this).

LESSON = "12_sharpness_and_stability"


# --- hvp: scalar functions written with torch operations --------------------------------------

def cubic(t):
    """sum(x^3) + x0 x1 x2 (3 coordinates): the Hessian changes with x."""
    return (t ** 3).sum() + t[0] * t[1] * t[2]


def rosenbrock_t(t):
    """Rosenbrock with b = 100 (2 coordinates), in torch."""
    return (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2


def linear(t):
    """A linear function, sum(i * x_i): its gradient does not depend on x, its Hessian is 0."""
    return (t * torch.arange(1.0, t.numel() + 1, dtype=t.dtype).reshape(t.shape)).sum()


def _hvp_visible():
    return [Case("f = sum(x^3) + x0 x1 x2, x = (0.5, -1, 2), v = (1, 0, 0)",
                 (cubic, np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 0.0]))),
            Case("f = Rosenbrock (b = 100), x = (-1.2, 1), v = (0.3, -0.4)",
                 (rosenbrock_t, np.array([-1.2, 1.0]), np.array([0.3, -0.4]))),
            Case("f linear (sum of i * x_i), x = (1, 2, 3), v = (1, 1, 1): H v = 0",
                 (linear, np.array([1.0, 2.0, 3.0]), np.ones(3))),
            Case("bad input: x of shape (3,), v of shape (2,) must raise ValueError",
                 (cubic, np.ones(3), np.ones(2)), raises=ValueError)]


def hvp_forbidden():
    """torch's own Hessian-vector products and Hessian: calling them is delegating the exercise."""
    return [torch.autograd.functional.hvp, torch.autograd.functional.vhp, torch.autograd.functional.hessian]


HVP = Task(name="hvp", lesson=LESSON, parameters=("f", "x", "v"), visible=_hvp_visible, forbidden=hvp_forbidden())


# --- top_eigenvalue ----------------------------------------------------------------------------

class MatVec:
    """``v -> A @ v`` for a fixed matrix (a named callable, so that a case label can describe it)."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=np.float64)

    def __call__(self, v):
        return self.a @ v

    def __repr__(self):
        return f"v -> H @ v for the {len(self.a)} x {len(self.a)} matrix H of the label"


def matvec_case(label, a, **kwargs):
    """A case of ``top_eigenvalue``: ``(MatVec(a), dim)`` and the keywords."""
    a = np.asarray(a, dtype=np.float64)
    return Case(label, (MatVec(a), a.shape[0]), kwargs)


def _te_visible():
    return [matvec_case("H = diag(4, 1, -2): dominant +4", np.diag([4.0, 1.0, -2.0])),
            matvec_case("H = diag(3, -5, 1): the largest magnitude is negative, -5", np.diag([3.0, -5.0, 1.0])),
            matvec_case("H = [[2, 1], [1, 2]], iters=1: one iteration from the normalised start",
                        [[2.0, 1.0], [1.0, 2.0]], iters=1),
            matvec_case("H = diag(50, 45, 1), tol=1e-6, seed=3: the tolerance is relative to |lam| (here 50)",
                        np.diag([50.0, 45.0, 1.0]), tol=1e-6, seed=3),
            matvec_case("H = 0 (2 x 2): H v is exactly zero, so return (0.0, v) at once", np.zeros((2, 2))),
            Case("bad input: dim=0 must raise ValueError", (MatVec(np.zeros((0, 0))), 0), raises=ValueError),
            Case("bad input: iters=0 must raise ValueError", (MatVec(np.eye(2)), 2), {"iters": 0},
                 raises=ValueError)]


TOP_EIGENVALUE = Task(name="top_eigenvalue", lesson=LESSON, parameters=("hvp_fn", "dim", "iters", "tol", "seed"),
                      visible=_te_visible)


# --- lr_range_test: (loss, grad) callables -------------------------------------------------------

class Quadratic:
    """loss = 0.5 sum(a p^2), grad = a p: gradient descent diverges once lr > 2 / max(a)."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=np.float64)

    def __call__(self, p):
        return float(0.5 * np.sum(self.a * p * p)), self.a * p

    def __repr__(self):
        return f"p -> (0.5 * sum(a * p**2), a * p) with a = {self.a.tolist()}"


class LeastSquares:
    """loss = mean((X p - y)^2) on fixed data, and its gradient."""

    def __init__(self, seed, n=40, d=3):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, d))
        self.y = self.x @ rng.normal(size=d) + 0.1 * rng.normal(size=n)

    def __call__(self, p):
        r = self.x @ p - self.y
        return float(np.mean(r * r)), 2.0 * self.x.T @ r / len(r)

    def __repr__(self):
        return f"p -> (mean((X p - y)**2), its gradient) for a fixed X of shape {self.x.shape}"


class LogLoss:
    """loss = p0 - log(p0) + p1^2 (its minimum at (1, 0)): a step too large sends p0 below 0, where the
    loss is NaN."""

    def __call__(self, p):
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(p[0] - np.log(p[0]) + p[1] ** 2), np.array([1.0 - 1.0 / p[0], 2.0 * p[1]])

    def __repr__(self):
        return "p -> (p0 - log(p0) + p1**2, its gradient)"


def _lr_visible():
    quad = Quadratic([1.0, 10.0])
    return [Case("0.5 (p1^2 + 10 p2^2) from (1, 1), defaults", (quad, np.array([1.0, 1.0]))),
            Case("least squares (40 x 3) from 0, lr_min=0.1, lr_max=5, num_steps=60, beta=0.9, stop_factor=2: "
                 "the loss climbs slowly at the end", (LeastSquares(1230), np.zeros(3)),
                 {"lr_min": 0.1, "lr_max": 5.0, "num_steps": 60, "beta": 0.9, "stop_factor": 2.0}),
            Case("p0 - log(p0) + p1^2 from (2, 1), lr_min=0.5, lr_max=50, num_steps=15, beta=0.5, stop_factor=1e300: "
                 "the loss becomes NaN, which must stop the test", (LogLoss(), np.array([2.0, 1.0])),
                 {"lr_min": 0.5, "lr_max": 50.0, "num_steps": 15, "beta": 0.5, "stop_factor": 1e300}),
            Case("bad input: lr_min=1 > lr_max=0.1 must raise ValueError", (quad, np.ones(2)),
                 {"lr_min": 1.0, "lr_max": 0.1}, raises=ValueError)]


LR_RANGE_TEST = Task(name="lr_range_test", lesson=LESSON,
                     parameters=("loss_and_grad", "params", "lr_min", "lr_max", "num_steps", "beta", "stop_factor"),
                     visible=_lr_visible)


# --- sam_step: gradients, and several steps in a row ---------------------------------------------

class QuadGrad:
    """The gradient of 0.5 p^T A p (A symmetric): A p."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=np.float64)

    def __call__(self, p):
        return self.a @ p

    def __repr__(self):
        return f"p -> A @ p (the gradient of 0.5 p^T A p) with A = {self.a.tolist()}"


class RosenbrockGrad:
    """The gradient of Rosenbrock with b = 100."""

    def __call__(self, p):
        return np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)])

    def __repr__(self):
        return "p -> the gradient of Rosenbrock (b = 100) at p"


class MatrixGrad:
    """The gradient of 0.5 ||W X - Y||_F^2 + sum(W^4) / 4 in a (2, 3) matrix W, X (3, 5), Y (2, 5) fixed."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.x, self.y = rng.normal(size=(3, 5)), rng.normal(size=(2, 5))

    def __call__(self, w):
        return (w @ self.x - self.y) @ self.x.T + w ** 3

    def __repr__(self):
        return "W -> the gradient of 0.5 ||W X - Y||^2 + sum(W^4) / 4 at W (X, Y fixed)"


def sam_steps(fn, case):
    """``fn`` called ``n_steps`` times (a keyword of the case, default 1), each from the last result;
    the results stacked."""
    params, loss_grad = case.args
    kwargs = dict(case.kwargs)
    n_steps = kwargs.pop("n_steps", 1)
    out = []
    for _ in range(n_steps):
        params = fn(params, loss_grad, **kwargs)
        out.append(np.array(params, copy=True))
    return np.stack(out)


def _sam_visible():
    quad = QuadGrad([[3.0, 1.0], [1.0, 2.0]])
    return [Case("0.5 p^T [[3, 1], [1, 2]] p at (1, -2), lr=0.1, rho=0.05", (np.array([1.0, -2.0]), quad),
                 {"lr": 0.1}),
            Case("Rosenbrock (b = 100) at (-1.2, 1), lr=1e-3, rho=0.1", (np.array([-1.2, 1.0]), RosenbrockGrad()),
                 {"lr": 1e-3, "rho": 0.1}),
            Case("0.5 p^T [[3, 1], [1, 2]] p at its minimum (0, 0), lr=0.1: g = 0, so the step is 0 (no NaN)",
                 (np.zeros(2), quad), {"lr": 0.1}),
            Case("W a (2, 3) matrix: 0.5 ||W X - Y||^2 + sum(W^4) / 4, lr=0.1, rho=0.5, 2 steps (the norm is "
                 "over every entry)", (np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0]]), MatrixGrad(12)),
                 {"lr": 0.1, "rho": 0.5, "n_steps": 2})]


SAM_STEP = Task(name="sam_step", lesson=LESSON, parameters=("params", "loss_grad", "lr", "rho"),
                visible=_sam_visible, run=sam_steps)


# --- grad_scaler_update: the state threaded through the steps ------------------------------------

def scaler_scales(fn, case):
    """Thread the state through one call per flag of ``case.kwargs["found_infs"]``, from ``{}`` (the
    other keywords are the hyper-parameters); the scales after each call, as an array."""
    hyper = dict(case.kwargs)
    found_infs = hyper.pop("found_infs")
    state, scales = {}, []
    for t, found_inf in enumerate(found_infs):
        state = fn(state, bool(found_inf), **hyper)
        if not isinstance(state, dict):
            raise TypeError(f"step {t + 1} returned a {type(state).__name__}; return the new state, a dict")
        scales.append(float(state["scale"]))
    return np.array(scales)


def flags(text):
    """'..x.' -> [False, False, True, False] (x: that step's gradients overflowed)."""
    return [c == "x" for c in text]


def _scaler_visible():
    return [Case("growth_interval=3, steps . . x . . . . . (x = overflow)",
                 kwargs={"found_infs": flags("..x....."), "growth_interval": 3}),
            Case("defaults, 5 steps x . x x . (x = overflow)", kwargs={"found_infs": flags("x.xx.")}),
            Case("init_scale=8, growth_factor=4, backoff_factor=0.25, growth_interval=2, steps . . x . . . x x . .",
                 kwargs={"found_infs": flags("..x...xx.."), "init_scale": 8.0, "growth_factor": 4.0,
                         "backoff_factor": 0.25, "growth_interval": 2})]


def scaler_forbidden():
    """torch's GradScaler: calling its update is delegating the exercise."""
    return [torch.amp.GradScaler.update]


GRAD_SCALER_UPDATE = Task(name="grad_scaler_update", lesson=LESSON,
                          parameters=("state", "found_inf", "init_scale", "growth_factor", "backoff_factor",
                                      "growth_interval"),
                          visible=_scaler_visible, run=scaler_scales, forbidden=scaler_forbidden())

TASKS = [HVP, TOP_EIGENVALUE, LR_RANGE_TEST, SAM_STEP, GRAD_SCALER_UPDATE]
