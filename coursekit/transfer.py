"""Lesson 10's kit: small torch classifiers and a family of related tasks to transfer between.

Models here are flat ``nn.Sequential`` stacks ``Linear, activation, Linear, activation, ..., Linear``;
nested stacks are read through their leaf modules in order. Inputs ``X`` are ``(n, d)`` arrays,
labels ``y`` are ``(n,)`` integers in ``[0, n_classes)``; models are float32 (torch's default).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


def leaves(module):
    """The leaf modules of ``module`` (the ones without children), in forward order for stacks."""
    found = [m for m in module.modules() if not list(m.children())]
    return found if found else [module]


def train_classifier(model, X, y, epochs, lr=1e-2, desc=None, *, groups=None):
    """``epochs`` full-batch Adam steps on the cross-entropy of ``model`` for ``(X, y)``.

    Only parameters that require a gradient are given to the optimizer. Returns the loss per step.
    ``desc``: show a progress bar with this label (``coursekit.runtime.progress``).
    ``groups``: a list of ``(parameters, learning_rate)`` pairs, one Adam parameter group each (the
    reused layers of a model at a smaller rate than its new head, say); ``lr`` is then unused.
    Default: every trainable parameter of ``model`` at ``lr``.
    Adam is torch's fused implementation (``fused=True``): the same update as its default one, up to
    rounding in the last bits, in one kernel per tensor instead of about eight, which makes a step of
    these small models about a third cheaper (lesson 10's explorer retrains nine of them per slider move).
    """
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
    if groups is None:
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=lr, fused=True)
    else:
        opt = torch.optim.Adam([{"params": [p for p in params if p.requires_grad], "lr": rate}
                                for params, rate in groups], fused=True)
    losses = []
    steps = range(epochs)
    if desc is not None:
        from coursekit.runtime import progress
        steps = progress(steps, desc=desc)
    for _ in steps:
        loss = nn.functional.cross_entropy(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def accuracy(model, X, y):
    """Fraction of rows of ``X`` whose arg-max output is the label ``y``."""
    with torch.no_grad():
        out = model(torch.as_tensor(np.asarray(X), dtype=torch.float32))
    return float((out.argmax(1).numpy() == np.asarray(y)).mean())


def mlp(sizes, seed=None):
    """``Linear(sizes[0], sizes[1]), ReLU(), ..., Linear(sizes[-2], sizes[-1])`` (float32)."""
    if seed is not None:
        torch.manual_seed(seed)
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def related_task(n=200, seed=0, *, d=20, n_classes=3, n_features=3, shared_seed=0, noise=0.1,
                 return_features=False):
    """One of a family of related classification tasks: same generator, the ``seed`` picks the task.

    Every task of the family (same ``shared_seed``) shares the hidden features
    ``h = tanh(X @ A)`` (A: (d, n_features), drawn from ``shared_seed``); the ``seed`` draws the
    samples X ~ N(0, I) and the task's own read-out ``B`` (n_features, n_classes), and the label is
    ``argmax(h @ B + noise)``. A network that learned ``h`` on one task has learned most of any other.
    Returns ``X`` (n, d) float64 and ``y`` (n,) int64 (and ``h`` (n, n_features) with ``return_features``).
    """
    A = np.random.default_rng([shared_seed, 12345]).normal(size=(d, n_features)) / np.sqrt(d) * 2.0
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n_features, n_classes))
    X = rng.normal(size=(n, d))
    h = np.tanh(X @ A)
    scores = h @ B + noise * rng.normal(size=(n, n_classes))
    y = scores.argmax(1).astype(np.int64)
    return (X, y, h) if return_features else (X, y)
