"""Adam and AdamW, exactly ``torch.optim.Adam`` / ``torch.optim.AdamW`` as pure functions."""
from __future__ import annotations

import math

import numpy as np


def _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled):
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    beta1, beta2 = betas
    zeros = np.zeros_like(params)
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        if decoupled:
            params = params * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * params
    exp_avg = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    exp_avg_sq = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    new_state = {"step": t, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    bias_correction1 = 1 - beta1 ** t
    bias_correction2 = 1 - beta2 ** t
    if amsgrad:
        second = np.maximum(state.get("max_exp_avg_sq", zeros), exp_avg_sq)
        new_state["max_exp_avg_sq"] = second
    else:
        second = exp_avg_sq
    denom = np.sqrt(second) / math.sqrt(bias_correction2) + eps
    return params - (lr / bias_correction1) * exp_avg / denom, new_state


def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              amsgrad=False):
    """One Adam step.

    params, grad: float64 arrays of the same shape. state: ``{}`` first, then
    ``{"step", "exp_avg", "exp_avg_sq"}`` (+ ``"max_exp_avg_sq"`` with amsgrad), arrays start at 0.

    Conventions (as torch):

    - ``step`` is incremented first: the first call uses t = 1;
    - weight decay is *coupled* (L2): ``g = grad + weight_decay * params``;
    - ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``;
    - amsgrad keeps ``vmax = max(vmax, v)`` of the *raw* v and uses it in place of v;
    - bias correction, eps *outside* the root and added after correcting v:
      ``params - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``.
    """
    return _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled=False)


def adamw_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
               amsgrad=False):
    """One AdamW step: Adam with *decoupled* weight decay.

    Same state and conventions as :func:`adam_step`, except that weight decay does not touch the
    gradient: ``params`` is first shrunk, ``params * (1 - lr * weight_decay)``, then the Adam
    update (computed from the raw gradient) is subtracted. Default ``weight_decay=1e-2``.
    """
    return _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled=True)
