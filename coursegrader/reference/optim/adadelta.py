"""Adadelta, exactly ``torch.optim.Adadelta`` as a pure function."""
from __future__ import annotations

import numpy as np


def adadelta_step(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    """One Adadelta step.

    params, grad: float64 arrays of the same shape. state: ``{}`` first, then
    ``{"step", "square_avg", "acc_delta"}`` (arrays like params, starting at 0).

    Conventions (as torch):

    - ``g = grad + weight_decay * params``;
    - ``square_avg = rho * square_avg + (1 - rho) * g**2``;
    - ``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g`` with the *old* acc_delta and
      eps *inside* both square roots (unlike Adam/RMSProp);
    - ``acc_delta = rho * acc_delta + (1 - rho) * delta**2`` (delta without lr);
    - ``params - lr * delta`` (lr is a plain multiplier, 1.0 by default).
    """
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    zeros = np.zeros_like(params)
    if weight_decay != 0:
        g = g + weight_decay * params
    square_avg = rho * state.get("square_avg", zeros) + (1 - rho) * g * g
    acc_delta = state.get("acc_delta", zeros)
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta * delta
    return params - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": square_avg,
                                 "acc_delta": acc_delta}
