"""Lesson 08 (and 07): looking inside a torch network, layer by layer."""
from __future__ import annotations

import numpy as np


def layer_grad_norms(model, X, y, loss_fn):
    """The gradient norm of each ``nn.Linear`` weight for one batch, input side first.

    model: a torch module; X, y: one batch (tensors); loss_fn: ``loss_fn(model(X), y) -> scalar``.
    Clears old gradients first (``.grad`` accumulates), runs one forward and backward pass and
    returns ``[||dL/dW_1||_2, ..., ||dL/dW_L||_2]`` as Python floats (biases are left out).
    """
    from torch import nn

    model.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]


def layer_outputs(model, X, kinds=None):
    """The output of every submodule of type in ``kinds`` (default: activations) for the batch X.

    Returns a list of float64 numpy arrays, input side first. Used for activation histograms.
    """
    import torch
    from torch import nn

    kinds = kinds or (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.ELU)
    outputs = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach().double().numpy().copy()))
             for m in model.modules() if isinstance(m, kinds)]
    try:
        with torch.no_grad():
            model(X)
    finally:
        for h in hooks:
            h.remove()
    return [np.asarray(o) for o in outputs]
