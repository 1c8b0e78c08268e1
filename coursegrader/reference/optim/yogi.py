"""Yogi (Zaheer et al., 2018) as this course defines it: Adam with an additive second moment."""
from __future__ import annotations

import math

import numpy as np


def yogi_step(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    """One Yogi step.

    params, grad: float64 arrays of the same shape. state: ``{}`` first, then
    ``{"step", "exp_avg", "exp_avg_sq"}``; ``exp_avg`` (m) starts at 0 and ``exp_avg_sq`` (v) at
    ``initial_accumulator``.

    - ``m = b1 m + (1 - b1) g``;
    - ``v = v - (1 - b2) * sign(v - g**2) * g**2``: v moves towards g**2 by a step of size
      ``(1 - b2) g**2`` (Adam's v would move by ``(1 - b2) (g**2 - v)``, i.e. multiplicatively);
    - bias-corrected like torch's Adam, with eps outside the root and after the correction:
      ``params - lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)``, t counted from 1.
    """
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    beta1, beta2 = betas
    t = state.get("step", 0) + 1
    m = beta1 * state.get("exp_avg", np.zeros_like(params)) + (1 - beta1) * g
    v = state["exp_avg_sq"] if "exp_avg_sq" in state else np.full_like(params, initial_accumulator)
    g2 = g * g
    v = v - (1 - beta2) * np.sign(v - g2) * g2
    denom = np.sqrt(v) / math.sqrt(1 - beta2 ** t) + eps
    return params - lr / (1 - beta1 ** t) * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}
