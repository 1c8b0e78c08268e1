"""Lesson 08: the gradient norm of each layer of a torch network (graded: ``layer_grad_norms``)."""
from __future__ import annotations


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
