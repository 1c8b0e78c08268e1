"""Lesson 12: Hessian-vector products by double backward, and power iteration (curvature, no Hessian).

A network with n parameters has an n x n Hessian: 10^6 parameters make 10^12 entries, which no
one stores. What is cheap is the Hessian *times a vector*: the gradient of ``grad f(x) . v``,
one more backward pass through the graph of the gradient. Power iteration needs nothing else to
find the largest eigenvalue (the *sharpness*), which is what decides whether gradient descent is
stable (lesson 02: ``lr < 2 / lambda_max``).
"""
from __future__ import annotations

import numpy as np


def hvp(f, x, v):
    """The Hessian of ``f`` at ``x`` times ``v``, by differentiating the gradient (double backward).

    f: a scalar function written with torch operations; it receives a float64 tensor of
      ``x``'s shape (requiring grad) and returns a 0-d tensor.
    x, v: array-likes of the same shape (any), taken as float64; neither is modified.
    Returns: ndarray float64 of ``x``'s shape, ``H(x) @ v`` (flattened order), equal to
      ``torch.autograd.functional.hvp(f, x, v)[1]``: zeros where the gradient does not depend on
      ``x`` (a linear ``f``, or a part of ``x`` the gradient never sees).
    Raises ValueError when ``x`` and ``v`` have different shapes.
    """
    import torch

    x = np.asarray(x, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError(f"hvp: x has shape {x.shape} and v has shape {v.shape}; they must be the same")
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    vt = torch.tensor(v, dtype=torch.float64)
    y = f(xt)
    if not y.requires_grad:  # f does not depend on x at all
        return np.zeros(x.shape)
    (g,) = torch.autograd.grad(y, xt, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:  # f does not depend on x, or its gradient does not
        return np.zeros(x.shape)
    (hv,) = torch.autograd.grad(g, xt, grad_outputs=vt, allow_unused=True)
    if hv is None:
        return np.zeros(x.shape)
    return hv.detach().numpy().astype(np.float64, copy=True)


def top_eigenvalue(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    """The eigenvalue of largest magnitude of a symmetric matrix known only through ``hvp_fn``.

    hvp_fn: ``v -> H @ v`` for float64 vectors of shape (dim,).
    dim: int >= 1, the size of H. iters: int >= 1, the most iterations. tol: the stopping rule.
    seed: the start is ``rng.standard_normal(dim)`` with ``rng = np.random.default_rng(seed)``,
      normalised to norm 1.

    Iteration k = 1, 2, ...: ``w = hvp_fn(v)``, ``lam = v @ w`` (the Rayleigh quotient, signed),
    ``v = w / norm(w)``. It stops after the first k >= 2 whose ``lam`` differs from iteration
    k - 1's by at most ``tol * max(1, |lam|)``, or after ``iters`` iterations. When ``w`` is
    exactly zero it returns ``(0.0, v)`` at once (v the vector that gave it).
    Returns ``(lam, v)``: a Python float and the last ndarray (dim,) of norm 1.
    Raises ValueError unless ``dim >= 1`` and ``iters >= 1``.
    """
    if dim < 1:
        raise ValueError(f"top_eigenvalue: dim must be at least 1, got {dim}")
    if iters < 1:
        raise ValueError(f"top_eigenvalue: iters must be at least 1, got {iters}")
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(dim)
    v = v / np.linalg.norm(v)
    previous = None
    lam = 0.0
    for k in range(1, iters + 1):
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        if not np.any(w):
            return 0.0, v
        lam = float(v @ w)
        v = w / np.linalg.norm(w)
        if k >= 2 and abs(lam - previous) <= tol * max(1.0, abs(lam)):
            break
        previous = lam
    return lam, v
