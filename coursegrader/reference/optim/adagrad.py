"""Adagrad, exactly ``torch.optim.Adagrad`` as a pure function."""
from __future__ import annotations

import numpy as np


def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
    """One Adagrad step.

    params, grad: float64 arrays of the same shape (any shape). state: ``{}`` on the first call,
    then the dict returned by the previous call: ``{"step": int, "sum": array like params}``.

    Conventions (as torch):

    - ``step`` is incremented first, so the first call uses t = 1;
    - ``g = grad + weight_decay * params`` (L2 penalty folded into the gradient);
    - ``sum`` starts at ``initial_accumulator_value`` and accumulates ``g**2``;
    - learning rate ``lr / (1 + (t - 1) * lr_decay)`` (no decay on the first step);
    - eps is added *outside* the square root: ``params - clr * g / (sqrt(sum) + eps)``.

    Returns ``(new_params, new_state)``; the inputs are not modified.
    """
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state["sum"] if "sum" in state else np.full_like(params, initial_accumulator_value)
    if weight_decay != 0:
        g = g + weight_decay * params
    clr = lr / (1 + (t - 1) * lr_decay)
    acc = acc + g * g
    new_params = params - clr * g / (np.sqrt(acc) + eps)
    return new_params, {"step": t, "sum": acc}
