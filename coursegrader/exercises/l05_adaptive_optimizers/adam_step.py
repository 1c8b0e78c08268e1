"""adam_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.optim.adam import adam_step, adamw_step
from coursekit.check.tasks.l05_adaptive_optimizers import ADAM_STEP

from ._shared import NO_ONE_MINUS_BETA1, NO_ONE_MINUS_BETA2, PAPER_FORM, POWER, SQRT_BC2, SQUARE_MISSING, adam_hidden


def _moments(state, g, b1, b2):
    z = np.zeros_like(g)
    return b1 * state.get("exp_avg", z) + (1 - b1) * g, b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g


def no_bias_correction(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                       amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    if weight_decay != 0:
        g = g + weight_decay * p
    m, v = _moments(state, g, *betas)
    new = {"step": state.get("step", 0) + 1, "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        v = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = v
    return p - lr * m / (np.sqrt(v) + eps), new


def eps_inside_sqrt(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        g = g + weight_decay * p
    m, v = _moments(state, g, b1, b2)
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = m / (1 - np.float64(b1) ** t), v / (1 - np.float64(b2) ** t)
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = vmax
        v_hat = vmax / (1 - np.float64(b2) ** t)
    return p - lr * m_hat / np.sqrt(v_hat + eps), new


def step_from_zero(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    """The bias correction sees the counter before its increment (t = 0 on the first call)."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0)
    if weight_decay != 0:
        g = g + weight_decay * p
    m, v = _moments(state, g, b1, b2)
    new = {"step": t + 1, "exp_avg": m, "exp_avg_sq": v}
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = m / (1 - np.float64(b1) ** t), v / (1 - np.float64(b2) ** t)
        if amsgrad:
            vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
            new["max_exp_avg_sq"] = vmax
            v_hat = vmax / (1 - np.float64(b2) ** t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def decoupled_weight_decay(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                           amsgrad=False):
    """AdamW's decay in Adam: the parameters shrink, the gradient stays raw."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        p = p * (1 - lr * weight_decay)
    m, v = _moments(state, g, b1, b2)
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = m / (1 - np.float64(b1) ** t), v / (1 - np.float64(b2) ** t)
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = vmax
        v_hat = vmax / (1 - np.float64(b2) ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def amsgrad_max_of_corrected(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                             amsgrad=False):
    """The running maximum is taken of the bias-corrected v."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        g = g + weight_decay * p
    m, v = _moments(state, g, b1, b2)
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = m / (1 - np.float64(b1) ** t), v / (1 - np.float64(b2) ** t)
    if amsgrad:
        v_hat = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v_hat)
        new["max_exp_avg_sq"] = v_hat
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def betas_swapped(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b2, b1 = betas
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        g = g + weight_decay * p
    m, v = _moments(state, g, b1, b2)
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    m_hat, v_hat = m / (1 - np.float64(b1) ** t), v / (1 - np.float64(b2) ** t)
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(p)), v)
        new["max_exp_avg_sq"] = vmax
        v_hat = vmax / (1 - np.float64(b2) ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new


def _slip_second(state, g, new, amsgrad, v):
    """``v`` or, with amsgrad, the running maximum of the raw v (stored in ``new``)."""
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(g)), v)
        new["max_exp_avg_sq"] = vmax
        return vmax
    return v


def no_one_minus_beta1(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                       amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    second = _slip_second(state, g, new, amsgrad, v)
    return p - lr * (m / bc1) / (np.sqrt(second / bc2) + eps), new


def no_one_minus_beta2(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                       amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    second = _slip_second(state, g, new, amsgrad, v)
    return p - lr * (m / bc1) / (np.sqrt(second / bc2) + eps), new


def square_missing(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * np.abs(g)
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    second = _slip_second(state, g, new, amsgrad, v)
    return p - lr * (m / bc1) / (np.sqrt(second / bc2) + eps), new


def bias_correction_exponent(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                             amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
    second = _slip_second(state, g, new, amsgrad, v)
    return p - lr * (m / bc1) / (np.sqrt(second / bc2) + eps), new


def paper_form_eps(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    second = _slip_second(state, g, new, amsgrad, v)
    return p - lr * math.sqrt(bc2) / bc1 * m / (np.sqrt(second) + eps), new


def v_hat_without_sqrt(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                       amsgrad=False):
    """sqrt(v) divided by (1 - beta2**t), not by its square root."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    second = _slip_second(state, g, new, amsgrad, v)
    return p - lr * (m / bc1) / (np.sqrt(second) / bc2 + eps), new


def amsgrad_max_unused(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                       amsgrad=False):
    """The running maximum is kept in the state but the step divides by v itself."""
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    if amsgrad:
        new["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", z), v)
    return p - lr * (m / bc1) / (np.sqrt(v / bc2) + eps), new


EXERCISE = Exercise.of(
    ADAM_STEP, reference=adam_step, points=4, hidden=lambda: adam_hidden(0.1, 800),
    forbidden=[*ADAM_STEP.forbidden, adamw_step],
    mistakes=[
        Mistake("no_bias_correction", "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t); "
                "without it the first steps are far too small", no_bias_correction),
        Mistake("eps_inside_sqrt", "eps is inside the square root; torch's Adam divides by "
                "sqrt(v_hat) + eps", eps_inside_sqrt),
        Mistake("step_from_zero", "the step counter is used before it is incremented (t = 0 on the first call: "
                "1 - beta**0 = 0, a division by zero); increment first so the first step has t = 1", step_from_zero),
        Mistake("decoupled_weight_decay", "weight decay is decoupled (that is AdamW); Adam adds "
                "weight_decay * params to the gradient before the moments", decoupled_weight_decay),
        Mistake("amsgrad_max_of_corrected", "amsgrad keeps the maximum of the raw v (max_exp_avg_sq) and "
                "bias-corrects that maximum with this step's (1 - beta2**t); here the maximum is taken of "
                "the already corrected v", amsgrad_max_of_corrected),
        Mistake("betas_swapped", "betas are (beta1, beta2): beta1 for the mean m, beta2 for the squares v",
                betas_swapped),
        Mistake("no_one_minus_beta1", NO_ONE_MINUS_BETA1, no_one_minus_beta1),
        Mistake("no_one_minus_beta2", NO_ONE_MINUS_BETA2, no_one_minus_beta2),
        Mistake("square_missing", SQUARE_MISSING, square_missing),
        Mistake("bias_correction_exponent", POWER, bias_correction_exponent),
        Mistake("paper_form_eps", PAPER_FORM, paper_form_eps),
        Mistake("v_hat_without_sqrt", SQRT_BC2, v_hat_without_sqrt),
        Mistake("amsgrad_max_unused", "with amsgrad=True the denominator uses the running maximum of v "
                "(max_exp_avg_sq), not v itself", amsgrad_max_unused),
    ])
