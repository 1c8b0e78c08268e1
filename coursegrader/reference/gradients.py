"""Lesson 01: numerical gradients, gradient checking and autograd."""
from __future__ import annotations

import numpy as np


def _basis(x, i):
    e = np.zeros_like(x)
    e.flat[i] = 1.0
    return e


def forward_difference(f, x, eps=1e-6):
    """``(f(x + eps*e_i) - f(x)) / eps`` for every coordinate i.

    f: array of x's shape -> float; x: any shape (float64) -> gradient of the same shape.
    Error O(eps) from truncation plus O(machine_eps / eps) from round-off.
    """
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([(f(x + eps * _basis(x, i)) - fx) / eps for i in range(x.size)]).reshape(x.shape)


def central_difference(f, x, eps=1e-5):
    """``(f(x + eps*e_i) - f(x - eps*e_i)) / (2*eps)`` for every coordinate i.

    x: any shape (float64) -> gradient of the same shape. Truncation error O(eps**2).
    """
    x = np.asarray(x, dtype=np.float64)
    grad = [(f(x + eps * _basis(x, i)) - f(x - eps * _basis(x, i))) / (2 * eps) for i in range(x.size)]
    return np.array(grad).reshape(x.shape)


def gradient_check(f, grad_f, x, eps=1e-5):
    """Relative error between the analytic gradient ``grad_f(x)`` and the central difference.

    ``norm(g_a - g_n) / max(norm(g_a) + norm(g_n), 1e-12)``; below ~1e-7 means the analytic
    gradient is right, above ~1e-3 that it is wrong.
    """
    g_a = np.asarray(grad_f(x), dtype=np.float64)
    g_n = central_difference(f, x, eps)
    return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a) + np.linalg.norm(g_n), 1e-12))


def torch_grad(f, x):
    """Gradient of a torch-written scalar function ``f`` at the numpy point ``x`` via autograd.

    x: float64 array of any shape -> float64 array of the same shape.
    """
    import torch

    xt = torch.tensor(np.asarray(x, dtype=np.float64), dtype=torch.float64, requires_grad=True)
    y = f(xt)
    if y.numel() != 1:
        raise ValueError(f"f must return a scalar, got shape {tuple(y.shape)}")
    (g,) = torch.autograd.grad(y, xt)
    return g.detach().numpy().copy()
