"""Lesson 10: transfer learning (reuse the first layers of a trained network) and greedy
layer-wise pretraining, in torch (graded: ``freeze``, ``transfer_model``, ``greedy_layerwise_pretrain``)."""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from coursekit.transfer import leaves, train_classifier


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
