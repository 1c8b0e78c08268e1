"""Lesson 01 (gradients): its graded functions as a student's kernel sees them.

Visible inputs only: the functions a difference or a check is tried on here are small ones of this
module (never the lesson's own answers)."""
from __future__ import annotations

import numpy as np

from ...functions import quadratic, quadratic_grad
from ..task import Case, Task

LESSON = "01_gradients"


def _rosenbrock_visible():
    return [Case("x=(2, 2)", (np.array([2.0, 2.0]),)),
            Case("x=(-1.2, 1)", (np.array([-1.2, 1.0]),)),
            Case("x=(0.5, -0.3), a=2, b=100", (np.array([0.5, -0.3]),), {"a": 2.0, "b": 100.0})]


ROSENBROCK = Task(name="rosenbrock", lesson=LESSON, parameters=("x", "a", "b"), visible=_rosenbrock_visible)
ROSENBROCK_GRAD = Task(name="rosenbrock_grad", lesson=LESSON, parameters=("x", "a", "b"),
                       visible=_rosenbrock_visible)


# --- finite differences: small functions to differentiate ----------------------------------

def exp_sin(x):
    """f(x) = exp(x0) sin(x1)."""
    return float(np.exp(x[0]) * np.sin(x[1]))


def exp_sin_grad(x):
    """Its gradient (exp(x0) sin(x1), exp(x0) cos(x1))."""
    return np.array([np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.cos(x[1])])


def exp_sin_grad_no_chain(x):
    """A wrong gradient of exp_sin: the second component forgets to differentiate sin."""
    return np.array([np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.sin(x[1])])


def sin_square(x):
    """f(x) = sum(sin(x) x^2)."""
    return float(np.sum(np.sin(x) * x ** 2))


def _fd_visible():
    return [Case("f=exp(x0) sin(x1), x=(0.5, 1)", (exp_sin, np.array([0.5, 1.0]))),
            Case("f=sum(sin(x) x^2), x=(0.5, -1, 2)", (sin_square, np.array([0.5, -1.0, 2.0]))),
            Case("f=exp(x0) sin(x1), x=(-1, 0.5), eps=1e-2", (exp_sin, np.array([-1.0, 0.5])), {"eps": 1e-2}),
            Case("f=sum(sin(x) x^2), x a (2, 2) matrix, eps=1e-3",
                 (sin_square, np.array([[0.5, -1.0], [2.0, 0.3]])), {"eps": 1e-3})]


FD_TOL = dict(atol=1e-9, rtol=1e-7)  # same formula, different arithmetic order: round-off only

FORWARD_DIFFERENCE = Task(name="forward_difference", lesson=LESSON, parameters=("f", "x", "eps"),
                          visible=_fd_visible, **FD_TOL)
CENTRAL_DIFFERENCE = Task(name="central_difference", lesson=LESSON, parameters=("f", "x", "eps"),
                          visible=_fd_visible, **FD_TOL)


# --- gradient_check ------------------------------------------------------------------------

H = np.array([[3.0, 1.0], [1.0, 2.0]])


def quad(x):
    """f(x) = x^T H x / 2 with H = [[3, 1], [1, 2]]."""
    return quadratic(x, H)


def quad_grad(x):
    return quadratic_grad(x, H)


def quad_grad_off(x):
    """A wrong gradient of quad: 1% too large."""
    return 1.01 * quadratic_grad(x, H)


NOISE = dict(atol=1e-7)  # a right gradient: any value below 1e-7 is noise, not a mistake


def _gc_visible():
    return [Case("exp(x0) sin(x1) with its right gradient at (0.5, 1)",
                 (exp_sin, exp_sin_grad, np.array([0.5, 1.0])), **NOISE),
            Case("exp(x0) sin(x1) with a gradient that forgets to differentiate sin, at (0.5, 1)",
                 (exp_sin, exp_sin_grad_no_chain, np.array([0.5, 1.0]))),
            Case("quadratic with a gradient 1% too large at (1, -2), eps=1e-3",
                 (quad, quad_grad_off, np.array([1.0, -2.0])), {"eps": 1e-3}),
            Case("quadratic with its right gradient at its minimum (0, 0): both gradients vanish",
                 (quad, quad_grad, np.zeros(2)))]


GRADIENT_CHECK = Task(name="gradient_check", lesson=LESSON, parameters=("f", "grad_f", "x", "eps"),
                      visible=_gc_visible, atol=1e-9, rtol=1e-6)


# --- torch_grad ----------------------------------------------------------------------------

def t_cubes(t):
    """f(t) = sum(t^3) + t0 t1, written with torch operations."""
    return (t ** 3).sum() + t[0] * t[1]


def t_logsumexp(t):
    import torch
    return torch.logsumexp(t, dim=0)


def t_sin_square(t):
    """f(t) = sum(sin(t) t^2), written with torch operations (any shape)."""
    import torch
    return (torch.sin(t) * t ** 2).sum()


def _tg_visible():
    return [Case("f=sum(x^3) + x0 x1 in torch, x=(-1.2, 1)", (t_cubes, np.array([-1.2, 1.0]))),
            Case("f=logsumexp, x=(0.1, 0.2, 0.3)", (t_logsumexp, np.array([0.1, 0.2, 0.3]))),
            Case("f=sum(sin(X) X^2) in torch, X a (2, 2) matrix", (t_sin_square, np.array([[0.5, -1.0], [2.0, 0.3]])))]


TORCH_GRAD = Task(name="torch_grad", lesson=LESSON, parameters=("f", "x"), visible=_tg_visible)

TASKS = [ROSENBROCK, ROSENBROCK_GRAD, FORWARD_DIFFERENCE, CENTRAL_DIFFERENCE, GRADIENT_CHECK, TORCH_GRAD]
