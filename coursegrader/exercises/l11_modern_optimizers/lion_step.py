"""lion_step: hidden cases and catalogued mistakes (each a complete wrong Lion step)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.lion import lion_step
from coursekit.check.tasks.l11_modern_optimizers import LION_STEP, random_steps


def hidden():
    """Non-default hyper-parameters over 30-80 steps, sparse and dead coordinates, huge gradients."""
    sparse_rng = np.random.default_rng(1104)
    sparse = [g * (sparse_rng.random(g.shape) < 0.3) for g in random_steps(1103, 30, shape=(6,))[1]]
    sparse[0][:] = 0.0  # a first gradient of zeros: nothing moves (sign(0) = 0)
    dead = random_steps(1105, 20, shape=(2, 3))[1]
    for g in dead:
        g[0, 1] = 0.0  # one coordinate never gets a gradient: its moment stays 0 and it never moves
    return [
        Case("defaults, 60 random steps, params (3, 4)", random_steps(1100, 60)),
        Case("lr=0.01, betas=(0.8, 0.95), weight_decay=0.3, 50 random steps",
             random_steps(1101, 50, shape=(5,)), {"lr": 0.01, "betas": (0.8, 0.95), "weight_decay": 0.3}),
        Case("lr=0.1, weight_decay=2, 30 random steps: lr * weight_decay = 0.2",
             random_steps(1102, 30, shape=(4,)), {"lr": 0.1, "weight_decay": 2.0}),
        Case("lr=0.05, betas=(0.5, 0.99), 40 random steps", random_steps(1106, 40, shape=(2, 2)),
             {"lr": 0.05, "betas": (0.5, 0.99)}),
        Case("lr=0.05, betas=(0.99, 0.5), 40 random steps", random_steps(1107, 40, shape=(3,)),
             {"lr": 0.05, "betas": (0.99, 0.5)}),
        Case("lr=0.1, 30 sparse gradients (70% zeros), the first all zeros", (np.ones(6), sparse), {"lr": 0.1}),
        Case("lr=0.1, weight_decay=0.1, 20 steps, entry [0, 1] never has a gradient", (np.ones((2, 3)), dead),
             {"lr": 0.1, "weight_decay": 0.1}),
        Case("defaults, 15 large gradients (1e4): only their signs matter",
             random_steps(1108, 15, shape=(4,), scale=1e4)),
        Case("lr=0.02, weight_decay=0.5, Rosenbrock-like gradient 2 * (params - 1), 80 steps",
             (np.array([3.0, -2.0, 0.0]), lambda p: 2.0 * (p - 1.0)), {"lr": 0.02, "weight_decay": 0.5, "n_steps": 80}),
    ]


def moment_updated_before_sign(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64) * (1 - lr * weight_decay)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    m = state.get("exp_avg", np.zeros_like(p))
    m = b2 * m + (1 - b2) * g  # the moment is updated first ...
    return p - lr * np.sign(b1 * m + (1 - b1) * g), {"exp_avg": m}  # ... and the sign sees the new one


def sign_of_the_moment(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64) * (1 - lr * weight_decay)
    g = np.asarray(grad, dtype=np.float64)
    b1, _ = betas
    m = b1 * state.get("exp_avg", np.zeros_like(p)) + (1 - b1) * g  # one average, the sign of it
    return p - lr * np.sign(m), {"exp_avg": m}


def coupled_weight_decay(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p  # L2 in the gradient, inside the sign
    b1, b2 = betas
    m = state.get("exp_avg", np.zeros_like(p))
    update = np.sign(b1 * m + (1 - b1) * g)
    return p - lr * update, {"exp_avg": b2 * m + (1 - b2) * g}


def weight_decay_after_update(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    m = state.get("exp_avg", np.zeros_like(p))
    update = np.sign(b1 * m + (1 - b1) * g)
    return (p - lr * update) * (1 - lr * weight_decay), {"exp_avg": b2 * m + (1 - b2) * g}


def sign_of_zero_is_one(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64) * (1 - lr * weight_decay)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    m = state.get("exp_avg", np.zeros_like(p))
    c = b1 * m + (1 - b1) * g
    update = np.where(c >= 0, 1.0, -1.0)  # sign(0) taken as +1
    return p - lr * update, {"exp_avg": b2 * m + (1 - b2) * g}


def betas_swapped(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64) * (1 - lr * weight_decay)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    m = state.get("exp_avg", np.zeros_like(p))
    update = np.sign(b2 * m + (1 - b2) * g)
    return p - lr * update, {"exp_avg": b1 * m + (1 - b1) * g}


def weight_decay_without_lr(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    p = np.asarray(params, dtype=np.float64) * (1 - weight_decay)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    m = state.get("exp_avg", np.zeros_like(p))
    update = np.sign(b1 * m + (1 - b1) * g)
    return p - lr * update, {"exp_avg": b2 * m + (1 - b2) * g}


EXERCISE = Exercise.of(
    LION_STEP, reference=lion_step, points=4, hidden=hidden,
    mistakes=[
        Mistake("moment_updated_before_sign", "the moment is updated after the sign is taken: the update is "
                "sign(b1 * m + (1 - b1) * g) with the OLD m, then m = b2 * m + (1 - b2) * g",
                moment_updated_before_sign),
        Mistake("sign_of_the_moment", "Lion uses two betas: the update is the sign of b1 * m + (1 - b1) * g, while "
                "the moment kept for the next step averages with b2 (this is signSGD with momentum, one beta)",
                sign_of_the_moment),
        Mistake("coupled_weight_decay", "weight decay is decoupled, as in AdamW: params * (1 - lr * weight_decay) "
                "first, not weight_decay * params added to the gradient inside the sign",
                coupled_weight_decay),
        Mistake("weight_decay_after_update", "the decay multiplies the parameters before the update: "
                "params * (1 - lr * weight_decay) - lr * sign(...), not (params - lr * sign(...)) * (1 - lr * weight_decay)",
                weight_decay_after_update),
        Mistake("sign_of_zero_is_one", "sign(0) is 0 (np.sign): a coordinate whose interpolation is exactly 0 "
                "does not move", sign_of_zero_is_one),
        Mistake("betas_swapped", "b1 interpolates for the update (sign(b1 * m + (1 - b1) * g)) and b2 updates the "
                "moment (m = b2 * m + (1 - b2) * g), not the other way round", betas_swapped),
        Mistake("weight_decay_without_lr", "the decoupled decay is scaled by lr: params * (1 - lr * weight_decay)",
                weight_decay_without_lr),
    ])
