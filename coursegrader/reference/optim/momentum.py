"""Lesson 04: SGD with momentum exactly as ``torch.optim.SGD``, and Polyak's heavy ball."""
from __future__ import annotations

import numpy as np


def sgd_momentum_step(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0,
                      weight_decay=0.0, nesterov=False):
    """One step of ``torch.optim.SGD`` (functional: nothing is modified in place).

    params, grad: arrays of the same shape (float64); state: ``{}`` on the first call, then the
    dict this function returned. Returns ``(new_params, new_state)``.

    - ``g = grad + weight_decay * params`` (weight decay is added to the gradient, before momentum);
    - if ``momentum != 0``: the buffer is ``b = g`` on the first step (no dampening), then
      ``b = momentum * b + (1 - dampening) * g``; the step direction is ``g + momentum * b`` with
      ``nesterov`` (the *new* buffer), else ``b``; the state is ``{"momentum_buffer": b}``;
    - if ``momentum == 0`` the direction is ``g`` and the state stays empty (as torch's);
    - ``new_params = params - lr * direction``.
    """
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay != 0:
        g = g + weight_decay * params
    new_state = dict(state)
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = g.copy()
        else:
            buf = momentum * buf + (1 - dampening) * g
        new_state["momentum_buffer"] = buf
        g = g + momentum * buf if nesterov else buf
    return params - lr * g, new_state


def heavy_ball_step(params, prev_params, grad, *, lr, beta):
    """Polyak's heavy ball, the seed material's form: ``w - lr * g + beta * (w - w_prev)``.

    params (w), prev_params (w_prev), grad (g): arrays of the same shape -> the new w.
    Start with ``prev_params = params`` (no velocity yet). For a constant ``lr`` this is the
    same trajectory as ``sgd_momentum_step(..., momentum=beta)``; they differ when lr changes,
    because here the velocity ``w - w_prev`` already contains the old lr.
    """
    w = np.asarray(params, dtype=np.float64)
    return w - lr * np.asarray(grad, dtype=np.float64) + beta * (w - np.asarray(prev_params, dtype=np.float64))
