"""rmsprop_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.optim.rmsprop import rmsprop_step
from coursekit.check.tasks.l05_adaptive_optimizers import RMSPROP_STEP

from ._shared import hidden, rosenbrock_case


def hidden_cases():
    cases = hidden([("lr=0.05, alpha=0.9", {"lr": 0.05, "alpha": 0.9}),
                    ("momentum=0.9", {"momentum": 0.9}),
                    ("centered=True, alpha=0.8", {"centered": True, "alpha": 0.8}),
                    ("weight_decay=0.2, eps=1e-4", {"weight_decay": 0.2, "eps": 1e-4}),
                    ("every option: lr=0.02, alpha=0.95, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True",
                     {"lr": 0.02, "alpha": 0.95, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.5,
                      "centered": True})], seed=600)
    cases.append(rosenbrock_case("lr=1e-3, momentum=0.9, centered=True", {"lr": 1e-3, "momentum": 0.9, "centered": True}))
    return cases


def eps_inside_sqrt(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                    centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay != 0:
        g = g + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var + eps)
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def centered_no_subtract(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                         centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay != 0:
        g = g + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    if centered:  # the mean gradient is tracked but never subtracted
        new["grad_avg"] = alpha * state.get("grad_avg", z) + (1 - alpha) * g
    avg = np.sqrt(sq) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def alpha_swapped(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                  centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay != 0:
        g = g + weight_decay * p
    keep = 1 - alpha  # the roles of alpha and 1 - alpha exchanged
    z = np.zeros_like(p)
    sq = keep * state.get("square_avg", z) + (1 - keep) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = keep * state.get("grad_avg", z) + (1 - keep) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def momentum_raw_grad(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay != 0:
        g = g + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:  # the buffer sums raw gradients, divided only at the step
        buf = momentum * state.get("momentum_buffer", z) + g
        new["momentum_buffer"] = buf
        return p - lr * buf / avg, new
    return p - lr * g / avg, new


def ignores_weight_decay(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                         centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def no_one_minus_alpha(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                       centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def square_missing(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                   centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * np.abs(g)
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def starts_at_first_square(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                           centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    old = state.get("square_avg")
    if old is None:
        old = g * g
    sq = alpha * old + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def centered_adds_mean(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                       centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq + ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def momentum_averaged(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = alpha * state.get("square_avg", z) + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z) + (1 - momentum) * g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


EXERCISE = Exercise.of(
    RMSPROP_STEP, reference=rmsprop_step, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("eps_inside_sqrt", "eps is inside the square root; RMSProp divides by sqrt(square_avg) + eps",
                eps_inside_sqrt),
        Mistake("centered_no_subtract", "centered=True must subtract the squared mean gradient: "
                "avg = sqrt(square_avg - grad_avg**2) + eps", centered_no_subtract),
        Mistake("alpha_swapped", "alpha is the decay of the running average: "
                "square_avg = alpha * square_avg + (1 - alpha) * g**2, not the other way round", alpha_swapped),
        Mistake("momentum_raw_grad", "the momentum buffer accumulates the already scaled step g / avg "
                "(buf = momentum * buf + g / avg, then params - lr * buf), not the raw gradient", momentum_raw_grad),
        Mistake("ignores_weight_decay", "weight_decay is ignored; add weight_decay * params to the gradient first",
                ignores_weight_decay),
        Mistake("no_one_minus_alpha", "the new square is weighted by (1 - alpha): square_avg = alpha * square_avg "
                "+ (1 - alpha) * g**2 (the (1 - alpha) factor is missing)", no_one_minus_alpha),
        Mistake("square_missing", "the running average is of the *squared* gradient: (1 - alpha) * g**2 "
                "(a missing square)", square_missing),
        Mistake("starts_at_first_square", "square_avg starts at 0 (torch), not at the first g**2",
                starts_at_first_square),
        Mistake("centered_adds_mean", "centered=True *subtracts* the squared mean gradient: "
                "sqrt(square_avg - grad_avg**2) + eps", centered_adds_mean),
        Mistake("momentum_averaged", "the momentum buffer sums: buf = momentum * buf + g / avg, with no "
                "(1 - momentum) factor", momentum_averaged),
    ])
