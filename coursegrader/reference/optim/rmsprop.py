"""RMSProp, exactly ``torch.optim.RMSprop`` as a pure function."""
from __future__ import annotations

import numpy as np


def rmsprop_step(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0,
                 momentum=0.0, centered=False):
    """One RMSProp step.

    params, grad: float64 arrays of the same shape. state: ``{}`` first, then
    ``{"step", "square_avg"}`` plus ``"momentum_buffer"`` if ``momentum > 0`` and ``"grad_avg"``
    if ``centered`` (all arrays like params, starting at 0).

    Conventions (as torch):

    - ``g = grad + weight_decay * params``;
    - ``square_avg = alpha * square_avg + (1 - alpha) * g**2`` (alpha is the *decay*, not 1 - decay);
    - centered: ``grad_avg = alpha * grad_avg + (1 - alpha) * g`` and
      ``avg = sqrt(square_avg - grad_avg**2) + eps``; otherwise ``avg = sqrt(square_avg) + eps``
      (eps outside the square root, no bias correction);
    - momentum > 0: ``buf = momentum * buf + g / avg``, ``params - lr * buf``;
      otherwise ``params - lr * g / avg``.
    """
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    zeros = np.zeros_like(params)
    new_state = {"step": state.get("step", 0) + 1}
    if weight_decay != 0:
        g = g + weight_decay * params
    square_avg = alpha * state.get("square_avg", zeros) + (1 - alpha) * g * g
    new_state["square_avg"] = square_avg
    if centered:
        grad_avg = alpha * state.get("grad_avg", zeros) + (1 - alpha) * g
        new_state["grad_avg"] = grad_avg
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", zeros) + g / avg
        new_state["momentum_buffer"] = buf
        new_params = params - lr * buf
    else:
        new_params = params - lr * g / avg
    return new_params, new_state
