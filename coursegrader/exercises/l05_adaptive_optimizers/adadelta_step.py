"""adadelta_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.optim.adadelta import adadelta_step
from coursekit.check.tasks.l05_adaptive_optimizers import ADADELTA_STEP

from ._shared import hidden, rosenbrock_case


def hidden_cases():
    cases = hidden([("lr=0.5, rho=0.8", {"lr": 0.5, "rho": 0.8}),
                    ("eps=1e-3", {"eps": 1e-3}),
                    ("weight_decay=0.3", {"weight_decay": 0.3}),
                    ("every option: lr=2, rho=0.95, eps=1e-4, weight_decay=0.05",
                     {"lr": 2.0, "rho": 0.95, "eps": 1e-4, "weight_decay": 0.05})], seed=700)
    cases.append(rosenbrock_case("lr=0.1, rho=0.95", {"lr": 0.1, "rho": 0.95}))
    return cases


def eps_outside_sqrt(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (1 - rho) * g * g
    acc = state.get("acc_delta", z)
    delta = (np.sqrt(acc) + eps) / (np.sqrt(sq) + eps) * g
    acc = rho * acc + (1 - rho) * delta * delta
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def new_acc_delta(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    """acc_delta is updated with this step's delta estimate before delta is computed from it."""
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (1 - rho) * g * g
    acc = state.get("acc_delta", z)
    estimate = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    acc = rho * acc + (1 - rho) * estimate * estimate
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def lr_in_acc_delta(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (1 - rho) * g * g
    acc = state.get("acc_delta", z)
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    update = lr * delta
    acc = rho * acc + (1 - rho) * update * update
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def rho_swapped(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    keep = 1 - rho  # the roles of rho and 1 - rho exchanged
    z = np.zeros_like(p)
    sq = keep * state.get("square_avg", z) + (1 - keep) * g * g
    acc = state.get("acc_delta", z)
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    acc = keep * acc + (1 - keep) * delta * delta
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def no_one_minus_rho(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + g * g
    acc = state.get("acc_delta", z)
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    acc = rho * acc + (1 - rho) * (delta * delta)
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def ratio_without_sqrt(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (1 - rho) * g * g
    acc = state.get("acc_delta", z)
    delta = (acc + eps) / (sq + eps) * g
    acc = rho * acc + (1 - rho) * (delta * delta)
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def acc_delta_not_squared(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (1 - rho) * g * g
    acc = state.get("acc_delta", z)
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    acc = rho * acc + (1 - rho) * np.abs(delta)
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def lr_ignored(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (1 - rho) * g * g
    acc = state.get("acc_delta", z)
    delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    acc = rho * acc + (1 - rho) * (delta * delta)
    return p - delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


EXERCISE = Exercise.of(
    ADADELTA_STEP, reference=adadelta_step, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("eps_outside_sqrt", "Adadelta puts eps inside both square roots: "
                "delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g", eps_outside_sqrt),
        Mistake("new_acc_delta", "delta uses the accumulated updates of the previous steps: compute delta "
                "with the old acc_delta, then update acc_delta with delta**2", new_acc_delta),
        Mistake("lr_in_acc_delta", "acc_delta accumulates delta**2 before lr is applied "
                "(lr only scales the final params - lr * delta)", lr_in_acc_delta),
        Mistake("rho_swapped", "rho is the decay: square_avg = rho * square_avg + (1 - rho) * g**2 "
                "(same for acc_delta), not the other way round", rho_swapped),
        Mistake("no_one_minus_rho", "the new square is weighted by (1 - rho): square_avg = rho * square_avg "
                "+ (1 - rho) * g**2 (the (1 - rho) factor is missing)", no_one_minus_rho),
        Mistake("ratio_without_sqrt", "delta is the ratio of two square roots, RMS[delta] / RMS[g]: "
                "sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g", ratio_without_sqrt),
        Mistake("acc_delta_not_squared", "acc_delta averages the *squared* updates: (1 - rho) * delta**2 "
                "(a missing square)", acc_delta_not_squared),
        Mistake("lr_ignored", "lr scales the update: params - lr * delta (torch's default lr is 1.0, so it "
                "only shows when lr is set)", lr_ignored),
    ])
