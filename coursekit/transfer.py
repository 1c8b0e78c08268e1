"""Lesson 10: transfer learning (reuse the first layers of a trained network) and greedy
layer-wise pretraining, in torch.

Models here are flat ``nn.Sequential`` stacks ``Linear, activation, Linear, activation, ..., Linear``;
nested stacks are read through their leaf modules in order. Inputs ``X`` are ``(n, d)`` arrays,
labels ``y`` are ``(n,)`` integers in ``[0, n_classes)``; models are float32 (torch's default).
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn


def leaves(module):
    """The leaf modules of ``module`` (the ones without children), in forward order for stacks."""
    found = [m for m in module.modules() if not list(m.children())]
    return found if found else [module]


def freeze(module):
    """Make no parameter of ``module`` (recursively: every sub-module) require a gradient.

    Works in place and returns the same module, so that ``freeze(nn.Linear(3, 2))`` can be used
    inside an expression. Frozen parameters get no ``.grad`` in ``backward()`` and an optimizer
    leaves them as they are. (``module.eval()`` is something else: it switches dropout and
    batch-norm to inference behaviour and freezes nothing.)
    """
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def transfer_model(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    """A new network: the first ``n_reuse`` ``nn.Linear`` layers of ``pretrained`` and a new output layer.

    pretrained: ``nn.Sequential`` (flat, or nested: its leaf modules are read in order).
    The result is ``nn.Sequential(<reused modules>..., nn.Linear(h, n_outputs))`` where the reused
    modules are every leaf of ``pretrained`` before its ``(n_reuse + 1)``-th ``nn.Linear`` (the
    ``n_reuse`` linear layers with the activation after each; ``n_reuse`` counts ``nn.Linear``
    layers, not modules) and ``h`` is the ``out_features`` of the last reused layer.

    The reused modules are *copies* (``copy.deepcopy``): training the new model never changes
    ``pretrained``. They are frozen (feature extraction) unless ``fine_tune=True`` (the copied weights
    are only the initialisation). The new output layer is freshly initialised and always trainable.
    """
    mods = leaves(pretrained)
    n_linear = sum(isinstance(m, nn.Linear) for m in mods)
    if not 1 <= n_reuse <= n_linear:
        raise ValueError(f"n_reuse must be between 1 and {n_linear} (the nn.Linear layers of pretrained), "
                         f"got {n_reuse}")
    kept, seen = [], 0
    for m in mods:
        if isinstance(m, nn.Linear):
            if seen == n_reuse:
                break
            seen += 1
        kept.append(m)
    body = copy.deepcopy(nn.Sequential(*kept))
    if not fine_tune:
        freeze(body)
    last = [m for m in body if isinstance(m, nn.Linear)][-1]
    head = nn.Linear(last.out_features, n_outputs, dtype=last.weight.dtype, device=last.weight.device)
    return nn.Sequential(*body, head)


def train_classifier(model, X, y, epochs, lr=1e-2, desc=None):
    """``epochs`` full-batch Adam steps on the cross-entropy of ``model`` for ``(X, y)``.

    Only parameters that require a gradient are given to the optimizer. Returns the loss per step.
    ``desc``: show a progress bar with this label (``coursekit.runtime.progress``).
    """
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
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


def greedy_layerwise_pretrain(X, y, n_layers, hidden, epochs, seed):
    """Greedy layer-wise (supervised) pretraining of a ReLU stack of ``n_layers`` hidden layers.

    X: (n, d) floats; y: (n,) integer labels; returns
    ``nn.Sequential(Linear(d, hidden), ReLU(), ..., Linear(hidden, hidden), ReLU(), Linear(hidden, n_classes))``
    with ``n_classes = y.max() + 1``.

    ``torch.manual_seed(seed)`` first. Stage k = 1..n_layers: the hidden layers of the earlier stages
    are frozen, a new ``Linear + ReLU`` goes on top of them and a new output layer on top of that;
    the new hidden layer and the output layer are trained with ``train_classifier`` (``epochs``
    full-batch Adam steps, lr 1e-2, cross-entropy). The output layer of a stage is discarded when
    the next stage starts. At the end every parameter requires a gradient again, so the stack
    can be fine-tuned as a whole.
    """
    torch.manual_seed(seed)
    d = np.asarray(X).shape[1]
    n_classes = int(np.max(y)) + 1
    body = []
    model = None
    for k in range(n_layers):
        for m in body:
            freeze(m)
        body += [nn.Linear(d if k == 0 else hidden, hidden), nn.ReLU()]
        model = nn.Sequential(*body, nn.Linear(hidden, n_classes))
        train_classifier(model, X, y, epochs)
    if model is None:
        raise ValueError("n_layers must be at least 1")
    for p in model.parameters():
        p.requires_grad_(True)
    return model


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
