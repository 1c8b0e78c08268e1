"""Plausible wrong versions of ``sgd_momentum_step``, shared by its three stages.

Each is a complete, self-contained SGD step with one slip, named after it, and its catalogued
:class:`Mistake` (the message a student reads when their result is that step's).
"""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Mistake


def lr_in_buffer(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """The buffer accumulates lr * g (v = mu v + lr g, p -= v): the classic "velocity" form."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = lr * g if old is None else momentum * old + (1 - dampening) * lr * g
    direction = g + momentum * buf if nesterov else buf
    return params - direction, {"momentum_buffer": buf}


def state_not_kept(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """The buffer is computed but never returned: every step starts over."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {}


def step_with_old_buffer(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                         nesterov=False):
    """Steps with the buffer from before this gradient was added (0 on the first step)."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else (np.zeros_like(g) if old is None else old)
    return params - lr * direction, {"momentum_buffer": buf}


def dampening_first_step(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                         nesterov=False):
    """The first buffer is dampened too, (1 - d) g: what a buffer started at 0 gives."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = (1 - dampening) * g if old is None else momentum * old + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


def dampening_ignored(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                      nesterov=False):
    """b = mu b + g whatever dampening says."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


def nesterov_ignored(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                     nesterov=False):
    """The nesterov flag is never read: always the plain momentum step. (Nesterov's direction
    written with the buffer from before this step, g + mu b_old, is the same step when dampening
    is 0, which torch requires for Nesterov: no input tells the two apart.)"""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    return params - lr * buf, {"momentum_buffer": buf}


def weight_decay_after_momentum(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                                nesterov=False):
    """weight_decay * params is added to the step, after the buffer (it never enters the buffer)."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if momentum == 0:
        return params - lr * (g + weight_decay * params), {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * (direction + weight_decay * params), {"momentum_buffer": buf}


def buffer_averaged(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                    nesterov=False):
    """The buffer is a moving average started at 0: b = mu b + (1 - mu) g, b_0 = 0."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = momentum * (np.zeros_like(g) if old is None else old) + (1 - momentum) * g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


def buffer_averaged_from_g(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                           nesterov=False):
    """The buffer starts at g like torch's, then averages: b = mu b + (1 - mu) g (dampening ignored)."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g.copy() if old is None else momentum * old + (1 - momentum) * g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


def ascent(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """The step goes uphill: params + lr * direction."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params + lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else buf
    return params + lr * direction, {"momentum_buffer": buf}


def nesterov_without_gradient(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                              nesterov=False):
    """Nesterov's direction is mu * b: the gradient term is missing."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    direction = momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


def dampening_on_whole_buffer(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                              nesterov=False):
    """b = (1 - d) (mu b + g): the dampening scales the old buffer too."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else (1 - dampening) * (momentum * old + g)
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


def weight_decay_sign(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                      nesterov=False):
    """g = grad - weight_decay * params: the decay pushes the parameters away from 0."""
    params, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay:
        g = g + -weight_decay * params
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    direction = g + momentum * buf if nesterov else buf
    return params - lr * direction, {"momentum_buffer": buf}


LR_IN_BUFFER = Mistake(
    "lr_in_buffer", "the buffer accumulates lr * grad (v = momentum * v + lr * g, p -= v); torch's buffer holds "
    "gradients only (b = momentum * b + g) and lr multiplies the step: the two differ once lr changes", lr_in_buffer)
STATE_NOT_KEPT = Mistake(
    "state_not_kept", "the buffer is not returned in the state, so every step starts over (plain SGD); return "
    "{'momentum_buffer': b}", state_not_kept)
STEP_WITH_OLD_BUFFER = Mistake(
    "step_with_old_buffer", "the step uses the buffer from before this gradient was added; update the buffer "
    "first, then step with it", step_with_old_buffer)
DAMPENING_FIRST_STEP = Mistake(
    "dampening_first_step", "dampening is applied on the first step (or the buffer starts at 0): torch sets "
    "b = g on the first step, with no dampening", dampening_first_step)
DAMPENING_IGNORED = Mistake(
    "dampening_ignored", "dampening is ignored: after the first step b = momentum * b + (1 - dampening) * g",
    dampening_ignored)
NESTEROV_IGNORED = Mistake(
    "nesterov_ignored", "with nesterov=True your steps are plain momentum steps: the nesterov flag is not used "
    "(or Nesterov's direction takes the buffer from before this step: g + momentum * b_old is the new buffer "
    "itself). Nesterov steps along g + momentum * b, with b the buffer just updated", nesterov_ignored)
WEIGHT_DECAY_AFTER_MOMENTUM = Mistake(
    "weight_decay_after_momentum", "weight decay is added after the momentum (or decoupled, as in AdamW); "
    "torch.optim.SGD adds weight_decay * params to the gradient before the buffer update",
    weight_decay_after_momentum)
BUFFER_AVERAGED = Mistake(
    "buffer_averaged", "the buffer is a moving average, b = momentum * b + (1 - momentum) * g; torch's buffer "
    "sums: b = momentum * b + g (there is no (1 - momentum) factor unless dampening asks for one)", buffer_averaged)
BUFFER_AVERAGED_FROM_G = Mistake(
    "buffer_averaged_from_g", "the first buffer is g, as torch's, but later steps average: "
    "b = momentum * b + (1 - momentum) * g; torch's buffer sums, b = momentum * b + (1 - dampening) * g, "
    "so with dampening 0 there is no (1 - momentum) factor", buffer_averaged_from_g)
ASCENT = Mistake("ascent", "the step goes uphill: params - lr * b, not params + lr * b", ascent)
NESTEROV_WITHOUT_GRADIENT = Mistake(
    "nesterov_without_gradient", "Nesterov's direction is g + momentum * b: the gradient itself is missing",
    nesterov_without_gradient)
DAMPENING_ON_WHOLE_BUFFER = Mistake(
    "dampening_on_whole_buffer", "dampening scales the new gradient only: b = momentum * b + (1 - dampening) * g, "
    "not (1 - dampening) * (momentum * b + g)", dampening_on_whole_buffer)
WEIGHT_DECAY_SIGN = Mistake(
    "weight_decay_sign", "weight decay pulls the parameters towards 0: g = g + weight_decay * params, not minus",
    weight_decay_sign)
