"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"), exactly
``lion_pytorch.Lion`` as a pure function."""
from __future__ import annotations

import numpy as np


def lion_step(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    """One Lion step (``lion_pytorch.Lion``'s defaults).

    params, grad: float64 arrays of the same shape. state: ``{}`` first, then ``{"exp_avg": m}``
    (``m`` starts at 0; no step counter: Lion has no bias correction).

    In this order:

    1. decoupled weight decay, as AdamW: ``params * (1 - lr * weight_decay)``;
    2. the update is the *sign* of an interpolation between the old moment and the gradient,
       ``c = b1 * m + (1 - b1) * g``, ``params - lr * sign(c)`` with ``sign(0) = 0``: every
       coordinate moves by exactly ``lr`` (or not at all);
    3. only then the moment is updated, with the *other* beta: ``m = b2 * m + (1 - b2) * g``.

    Returns ``(new_params, new_state)``; nothing is modified in place.
    """
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    beta1, beta2 = betas
    m = state.get("exp_avg")
    if m is None:
        m = np.zeros_like(params)
    decayed = params * (1 - lr * weight_decay)
    update = np.sign(beta1 * m + (1 - beta1) * g)
    new_m = beta2 * m + (1 - beta2) * g
    return decayed - lr * update, {"exp_avg": new_m}
