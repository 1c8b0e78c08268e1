"""Lesson 12: sharpness-aware minimisation (Foret et al., 2021) with plain SGD as its base optimizer."""
from __future__ import annotations

import numpy as np


def sam_step(params, loss_grad, *, lr, rho=0.05):
    """One SAM step: the gradient is taken at the worst nearby point, then applied at ``params``.

    params: float64 array (any shape), not modified. loss_grad: ``p -> gradient`` at ``p``.
    ``g = loss_grad(params)``; ``e = rho * g / (norm(g) + 1e-12)`` (the norm over every
    coordinate: Frobenius for a matrix), the step of length ``rho`` that raises the loss most to
    first order; returns ``params - lr * loss_grad(params + e)`` (a new array). Two gradients a step.
    """
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    e = rho * g / (np.linalg.norm(g) + 1e-12)
    return p - lr * np.asarray(loss_grad(p + e), dtype=np.float64)
