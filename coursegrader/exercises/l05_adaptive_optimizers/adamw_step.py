"""adamw_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.optim.adam import adam_step, adamw_step
from coursekit.check.tasks.l05_adaptive_optimizers import ADAMW_STEP

from ._shared import NO_ONE_MINUS_BETA2, PAPER_FORM, POWER, SQUARE_MISSING, adam_hidden


def _corrected(state, p, m, v, t, b1, b2, amsgrad, new):
    """m_hat and v_hat (with amsgrad: the running maximum of the raw v, corrected), as torch's."""
    m_hat, v_hat = m / (1 - np.float64(b1) ** t), v / (1 - np.float64(b2) ** t)
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = vmax
        v_hat = vmax / (1 - np.float64(b2) ** t)
    return m_hat, v_hat


def coupled_weight_decay(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                         amsgrad=False):
    """Adam's L2 in AdamW: the decay is added to the gradient."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = _corrected(state, p, m, v, t, b1, b2, amsgrad, new)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def decay_without_lr(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                     amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        p = p * (1 - weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = _corrected(state, p, m, v, t, b1, b2, amsgrad, new)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def decay_after_update(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                       amsgrad=False):
    """The decay shrinks the updated parameters instead of the old ones."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = _corrected(state, p, m, v, t, b1, b2, amsgrad, new)
    out = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    if weight_decay != 0:
        out = out * (1 - lr * weight_decay)
    return out, new


def no_bias_correction(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                       amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        p = p * (1 - lr * weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        v = np.maximum(state.get("max_exp_avg_sq", z), v)
        new["max_exp_avg_sq"] = v
    return p - lr * m / (np.sqrt(v) + eps), new


def eps_inside_sqrt(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                    amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        p = p * (1 - lr * weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = _corrected(state, p, m, v, t, b1, b2, amsgrad, new)
    return p - lr * m_hat / np.sqrt(v_hat + eps), new


def step_from_zero(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                   amsgrad=False):
    """The bias correction sees the counter before its increment (t = 0 on the first call)."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0)
    if weight_decay != 0:
        p = p * (1 - lr * weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t + 1, "exp_avg": m, "exp_avg_sq": v}
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = _corrected(state, p, m, v, t, b1, b2, amsgrad, new)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def _decoupled_slip_start(params, grad, state, lr, weight_decay):
    p = np.asarray(params, dtype=np.float64)
    return p * (1 - lr * weight_decay), np.asarray(grad, dtype=np.float64), np.zeros_like(p), state.get("step", 0) + 1


def _second(state, z, new, amsgrad, v):
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", z), v)
        new["max_exp_avg_sq"] = vmax
        return vmax
    return v


def no_one_minus_beta2(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                       amsgrad=False):
    b1, b2 = betas
    p, g, z, t = _decoupled_slip_start(params, grad, state, lr, weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    return p - lr * (m / bc1) / (np.sqrt(_second(state, z, new, amsgrad, v) / bc2) + eps), new


def paper_form_eps(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                   amsgrad=False):
    b1, b2 = betas
    p, g, z, t = _decoupled_slip_start(params, grad, state, lr, weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    return p - lr * math.sqrt(bc2) / bc1 * m / (np.sqrt(_second(state, z, new, amsgrad, v)) + eps), new


def bias_correction_exponent(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                             amsgrad=False):
    b1, b2 = betas
    p, g, z, t = _decoupled_slip_start(params, grad, state, lr, weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
    return p - lr * (m / bc1) / (np.sqrt(_second(state, z, new, amsgrad, v) / bc2) + eps), new


def square_missing(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                   amsgrad=False):
    b1, b2 = betas
    p, g, z, t = _decoupled_slip_start(params, grad, state, lr, weight_decay)
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * np.abs(g)
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    return p - lr * (m / bc1) / (np.sqrt(_second(state, z, new, amsgrad, v) / bc2) + eps), new


EXERCISE = Exercise.of(
    ADAMW_STEP, reference=adamw_step, points=3, hidden=lambda: adam_hidden(0.5, 900),
    forbidden=[*ADAMW_STEP.forbidden, adam_step],
    mistakes=[
        Mistake("coupled_weight_decay", "weight decay is coupled (added to the gradient, as in Adam); AdamW "
                "shrinks the parameters directly: params * (1 - lr * weight_decay)", coupled_weight_decay),
        Mistake("decay_without_lr", "the decoupled decay is params * (1 - lr * weight_decay): it is "
                "multiplied by lr", decay_without_lr),
        Mistake("decay_after_update", "the decay shrinks the parameters *before* the Adam update is "
                "subtracted, not the updated parameters", decay_after_update),
        Mistake("no_bias_correction", "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)",
                no_bias_correction),
        Mistake("eps_inside_sqrt", "eps is inside the square root; divide by sqrt(v_hat) + eps", eps_inside_sqrt),
        Mistake("step_from_zero", "the step counter is used before it is incremented (t = 0 on the first "
                "call); increment first so the first step has t = 1", step_from_zero),
        Mistake("no_one_minus_beta2", NO_ONE_MINUS_BETA2, no_one_minus_beta2),
        Mistake("paper_form_eps", PAPER_FORM, paper_form_eps),
        Mistake("bias_correction_exponent", POWER, bias_correction_exponent),
        Mistake("square_missing", SQUARE_MISSING, square_missing),
    ])
