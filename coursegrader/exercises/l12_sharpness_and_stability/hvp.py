"""hvp: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np
import torch

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.curvature import hvp
from coursekit.check.tasks.l12_sharpness_and_stability import HVP, cubic, linear, rosenbrock_t

from ._shared import fmt

# --- hidden cases: torch-written functions ----------------------------------------------------


def quadratic(t):
    """0.5 x^T A x with A = [[4, 1, 0], [1, 3, -1], [0, -1, 2]]: H = A everywhere."""
    a = torch.tensor([[4.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 2.0]], dtype=t.dtype)
    return 0.5 * t @ a @ t


def relu_plus_linear(t):
    """sum(relu(x)) + 3 x0: piecewise linear, the Hessian is 0 wherever it exists."""
    return torch.relu(t).sum() + 3 * t.reshape(-1)[0]


def steep_linear_part(t):
    """1e8 x0 + sum(sin(x)): a huge gradient next to a small curvature (finite differences of the
    gradient lose every digit to round-off here)."""
    return 1e8 * t[0] + torch.sin(t).sum()


def partial(t):
    """x0^2 x1 + x2: the gradient never depends on x2 (its row of H is 0)."""
    return t[0] ** 2 * t[1] + t[2]


def tanh_matrix(t):
    """sum(tanh(X @ B)) + X00 X11 for a (2, 3) matrix X, B fixed (3, 2)."""
    b = torch.tensor([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]], dtype=t.dtype)
    return torch.tanh(t @ b).sum() + t[0, 0] * t[1, 1]


_NET_X = np.random.default_rng(1201).normal(size=(12, 2))
_NET_Y = np.sin(_NET_X[:, :1] * 2.0)


def tiny_net(t):
    """MSE of a 2-3-1 tanh network (13 parameters, flat) on 12 fixed points."""
    x = torch.tensor(_NET_X, dtype=t.dtype)
    y = torch.tensor(_NET_Y, dtype=t.dtype)
    w1, b1, w2, b2 = t[:6].reshape(2, 3), t[6:9], t[9:12].reshape(3, 1), t[12:]
    return 0.5 * ((torch.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


def hidden_cases():
    rng = np.random.default_rng(1210)
    cases = [
        Case("f = 0.5 x^T A x, x = (1, -2, 0.5), v = (0.2, 0.1, -1): H v = A v",
             (quadratic, np.array([1.0, -2.0, 0.5]), np.array([0.2, 0.1, -1.0]))),
        Case("f = sum(relu(x)) + 3 x0 (piecewise linear), x = (0.4, -0.3, 1.1): H v = 0",
             (relu_plus_linear, np.array([0.4, -0.3, 1.1]), np.array([1.0, 2.0, -0.5]))),
        Case("f = x0^2 x1 + x2, x = (0.3, -1.2, 0.7), v = (1, 2, -1): the last entry is 0",
             (partial, np.array([0.3, -1.2, 0.7]), np.array([1.0, 2.0, -1.0]))),
        Case("f = 1e8 x0 + sum(sin(x)), x = (0.3, 1.1), v = (0.5, -2): a huge gradient, small curvature",
             (steep_linear_part, np.array([0.3, 1.1]), np.array([0.5, -2.0]))),
        Case("f = sum(tanh(X @ B)) + X00 X11, X a (2, 3) matrix, V a (2, 3) matrix",
             (tanh_matrix, rng.normal(size=(2, 3)), rng.normal(size=(2, 3)))),
        Case("f = MSE of a 2-3-1 tanh network, x its 13 parameters, v random",
             (tiny_net, rng.normal(size=13), rng.normal(size=13))),
        Case("f = Rosenbrock (b = 100) at its minimum (1, 1), v = (1, 0)",
             (rosenbrock_t, np.array([1.0, 1.0]), np.array([1.0, 0.0]))),
        Case("f linear, x a (2, 2) matrix: H v = 0", (linear, np.ones((2, 2)), rng.normal(size=(2, 2)))),
    ]
    for _ in range(3):
        x, v = rng.normal(size=3) * 1.5, rng.normal(size=3)
        cases.append(Case(f"f = sum(x^3) + x0 x1 x2, random x = {fmt(x)}, v = {fmt(v)}", (cubic, x, v)))
    cases += [Case("bad input: x of shape (2, 3), v of shape (6,) must raise ValueError",
                   (tanh_matrix, np.ones((2, 3)), np.ones(6)), raises=ValueError),
              Case("bad input: x of shape (3,), v of shape (3, 1) must raise ValueError",
                   (cubic, np.ones(3), np.ones((3, 1))), raises=ValueError)]
    return cases


# --- catalogued mistakes ----------------------------------------------------------------------

def finite_difference(f, x, v):
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("x and v must have the same shape")
    step = 1e-2

    def grad_at(point):
        t = torch.tensor(point, requires_grad=True)
        y = f(t)
        if not y.requires_grad:
            return np.zeros(point.shape)
        (g,) = torch.autograd.grad(y, t, allow_unused=True)
        return np.zeros(point.shape) if g is None else g.numpy()

    return (grad_at(x + step * v) - grad_at(x)) / step


def float32(f, x, v):
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("x and v must have the same shape")
    t = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    y = f(t)
    if not y.requires_grad:
        return np.zeros(x.shape, dtype=np.float32)
    (g,) = torch.autograd.grad(y, t, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:
        return np.zeros(x.shape, dtype=np.float32)
    (hv,) = torch.autograd.grad(g, t, grad_outputs=torch.tensor(v, dtype=torch.float32), allow_unused=True)
    return np.zeros(x.shape, dtype=np.float32) if hv is None else hv.detach().numpy()


def gradient_accumulated(f, x, v):
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("x and v must have the same shape")
    t = torch.tensor(x, requires_grad=True)
    y = f(t)
    if not y.requires_grad:
        return np.zeros(x.shape)
    y.backward(create_graph=True)  # t.grad now holds g ...
    g = t.grad
    if g is None:
        return np.zeros(x.shape)
    if g.requires_grad:
        (g * torch.tensor(v)).sum().backward()  # ... and H v is *added* to it
    return t.grad.detach().numpy().copy()


def row_sums_times_v(f, x, v):
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("x and v must have the same shape")
    t = torch.tensor(x, requires_grad=True)
    y = f(t)
    if not y.requires_grad:
        return np.zeros(x.shape)
    (g,) = torch.autograd.grad(y, t, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:
        return np.zeros(x.shape)
    (h1,) = torch.autograd.grad(g.sum(), t, allow_unused=True)  # H @ ones, then times v entry by entry
    return np.zeros(x.shape) if h1 is None else h1.numpy() * v


def returns_gradient(f, x, v):
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("x and v must have the same shape")
    t = torch.tensor(x, requires_grad=True)
    y = f(t)
    if not y.requires_grad:
        return np.zeros(x.shape)
    (g,) = torch.autograd.grad(y, t, allow_unused=True)
    return np.zeros(x.shape) if g is None else g.numpy()


def times_gradient(f, x, v):
    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("x and v must have the same shape")
    t = torch.tensor(x, requires_grad=True)
    y = f(t)
    if not y.requires_grad:
        return np.zeros(x.shape)
    (g,) = torch.autograd.grad(y, t, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:
        return np.zeros(x.shape)
    (hg,) = torch.autograd.grad(g, t, grad_outputs=g.detach(), allow_unused=True)  # H g, not H v
    return np.zeros(x.shape) if hg is None else hg.numpy()


EXERCISE = Exercise.of(
    HVP, reference=hvp, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("finite_difference", "this is a finite difference of the gradient, (g(x + h v) - g(x)) / h, with "
                "a large step: its error grows with h and with the third derivative; differentiate g . v "
                "exactly instead (a second torch.autograd.grad)", finite_difference),
        Mistake("float32", "the tensors are float32; build them with dtype=torch.float64 (a Hessian-vector "
                "product in float32 keeps about 7 digits)", float32),
        Mistake("gradient_accumulated", "the result is g + H v: backward() adds into x.grad, which already held "
                "the gradient g from the first backward; use torch.autograd.grad for both derivatives (or zero "
                "x.grad in between)", gradient_accumulated),
        Mistake("row_sums_times_v", "this is (H @ ones) * v, entry by entry: differentiate the dot product g . v "
                "(grad_outputs=v), not g.sum(), and do not multiply by v afterwards", row_sums_times_v),
        Mistake("returns_gradient", "returns the gradient g; H v is the gradient of g . v (differentiate a "
                "second time, keeping the graph with create_graph=True)", returns_gradient),
        Mistake("times_gradient", "this is H g (the gradient used as the vector); H v differentiates g . v "
                "with the given v", times_gradient),
    ])
