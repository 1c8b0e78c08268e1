"""yogi_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.adam import adam_step, adamw_step
from coursegrader.reference.optim.yogi import yogi_step
from coursekit.check.tasks.l05_adaptive_optimizers import YOGI_STEP

from ._shared import hidden, random_grads, rosenbrock_case


def hidden_cases():
    cases = hidden([("lr=0.05, betas=(0.8, 0.95)", {"lr": 0.05, "betas": (0.8, 0.95)}),
                    ("eps=1e-6", {"eps": 1e-6}),
                    ("initial_accumulator=1.0", {"initial_accumulator": 1.0}),
                    ("every option: lr=0.03, betas=(0.5, 0.9), eps=1e-5, initial_accumulator=0.01",
                     {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-5, "initial_accumulator": 0.01})], seed=1000)
    cases.append(Case("initial_accumulator=1e-6, eps=1e-8, 20 small gradients (1e-3)",
                      random_grads(1060, 20, shape=(4,), scale=1e-3), {"eps": 1e-8}))
    cases.append(rosenbrock_case("lr=0.05", {"lr": 0.05}))
    return cases


def _corrected_step(p, m, v, t, lr, b1, b2, eps):
    with np.errstate(invalid="ignore"):
        root = np.sqrt(v)
    return p - lr / (1 - b1 ** t) * m / (root / math.sqrt(1 - b2 ** t) + eps)


def adam_second_moment(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.full(p.shape, 0.0)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, initial_accumulator))
    v = b2 * v + (1 - b2) * (g * g)
    return _corrected_step(p, m, v, t, lr, b1, b2, eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def sign_flipped(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.full(p.shape, 0.0)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, initial_accumulator))
    g2 = g * g
    v = v + 1 * (1 - b2) * np.sign(v - g2) * g2  # moves v away from g**2
    return _corrected_step(p, m, v, t, lr, b1, b2, eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def ignores_initial_accumulator(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3,
                                initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.full(p.shape, 0.0)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, 0.0))
    g2 = g * g
    v = v + -1 * (1 - b2) * np.sign(v - g2) * g2
    return _corrected_step(p, m, v, t, lr, b1, b2, eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def m_starts_at_accumulator(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3,
                            initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.full(p.shape, initial_accumulator)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, initial_accumulator))
    g2 = g * g
    v = v + -1 * (1 - b2) * np.sign(v - g2) * g2
    return _corrected_step(p, m, v, t, lr, b1, b2, eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def no_bias_correction(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.full(p.shape, 0.0)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, initial_accumulator))
    g2 = g * g
    v = v + -1 * (1 - b2) * np.sign(v - g2) * g2
    with np.errstate(invalid="ignore"):
        root = np.sqrt(v)
    return p - lr * m / (root + eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def eps_inside_sqrt(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.full(p.shape, 0.0)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, initial_accumulator))
    g2 = g * g
    v = v + -1 * (1 - b2) * np.sign(v - g2) * g2
    with np.errstate(invalid="ignore"):
        denom = np.sqrt(v / (1 - b2 ** t) + eps)
    return p - lr / (1 - b1 ** t) * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}


def _m_v(state, p, g, b1, b2, initial_accumulator, change):
    """m from 0 as Yogi's, and v moved by ``change(v, g2)``."""
    m = b1 * state.get("exp_avg", np.zeros_like(p)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, initial_accumulator))
    return m, v - change(v, g * g)


def sign_of_grad(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m, v = _m_v(state, p, g, b1, b2, initial_accumulator, lambda v, g2: (1 - b2) * np.sign(v - g) * g2)
    return _corrected_step(p, m, v, t, lr, b1, b2, eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def no_one_minus_beta2(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m, v = _m_v(state, p, g, b1, b2, initial_accumulator, lambda v, g2: np.sign(v - g2) * g2)
    return _corrected_step(p, m, v, t, lr, b1, b2, eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


def eps_before_correction(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m, v = _m_v(state, p, g, b1, b2, initial_accumulator, lambda v, g2: (1 - b2) * np.sign(v - g2) * g2)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(v)
    denom = (root + eps) / math.sqrt(1 - b2 ** t)
    return p - lr / (1 - b1 ** t) * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}


def v_not_corrected(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    p, g = np.asarray(params, dtype=np.float64), np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m, v = _m_v(state, p, g, b1, b2, initial_accumulator, lambda v, g2: (1 - b2) * np.sign(v - g2) * g2)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(v)
    return p - lr / (1 - b1 ** t) * m / (root + eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


EXERCISE = Exercise.of(
    YOGI_STEP, reference=yogi_step, points=3, hidden=hidden_cases,
    forbidden=[*YOGI_STEP.forbidden, adam_step, adamw_step],
    mistakes=[
        Mistake("adam_second_moment", "this is Adam's second moment, v = b2 v + (1 - b2) g**2; Yogi's is additive: "
                "v = v - (1 - b2) * sign(v - g**2) * g**2", adam_second_moment),
        Mistake("sign_flipped", "the sign is flipped: v must move *towards* g**2, "
                "v = v - (1 - b2) * sign(v - g**2) * g**2", sign_flipped),
        Mistake("ignores_initial_accumulator", "v starts at initial_accumulator (m starts at 0), not at 0",
                ignores_initial_accumulator),
        Mistake("m_starts_at_accumulator", "m starts at 0 in this course's Yogi (torch_optimizer starts it at "
                "initial_accumulator too); only v starts at initial_accumulator", m_starts_at_accumulator),
        Mistake("no_bias_correction", "no bias correction: lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)",
                no_bias_correction),
        Mistake("eps_inside_sqrt", "eps is inside the square root; divide by sqrt(v) / sqrt(1 - b2**t) + eps",
                eps_inside_sqrt),
        Mistake("sign_of_grad", "the sign compares v with the *squared* gradient: sign(v - g**2), not sign(v - g)",
                sign_of_grad),
        Mistake("no_one_minus_beta2", "v moves by (1 - b2) * g**2: v = v - (1 - b2) * sign(v - g**2) * g**2 "
                "(the (1 - b2) factor is missing)", no_one_minus_beta2),
        Mistake("eps_before_correction", "eps is added after the bias correction: sqrt(v) / sqrt(1 - b2**t) + eps, "
                "not (sqrt(v) + eps) / sqrt(1 - b2**t)", eps_before_correction),
        Mistake("v_not_corrected", "v is bias-corrected too: divide sqrt(v) by sqrt(1 - b2**t)", v_not_corrected),
    ])
