"""schedule_free_sgd_step: hidden cases and catalogued mistakes (each a complete wrong step)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.schedule_free import schedule_free_sgd_step
from coursekit.check.tasks.l11_modern_optimizers import SCHEDULE_FREE_SGD_STEP, random_steps


def hidden():
    """Every option alone and together over 10-80 steps, warm-ups longer than the run, lr = 0."""
    rng = np.random.default_rng(1150)
    h = rng.normal(size=(4, 4))
    hessian = h @ h.T / 4 + 0.1 * np.eye(4)
    return [
        Case("defaults, 40 random steps, params (3, 4)", random_steps(1151, 40)),
        Case("lr=0.05, r=1, 30 random steps", random_steps(1152, 30, shape=(5,)), {"lr": 0.05, "r": 1.0}),
        Case("lr=0.05, r=2, momentum=0.7, 30 random steps", random_steps(1153, 30, shape=(2, 3)),
             {"lr": 0.05, "r": 2.0, "momentum": 0.7}),
        Case("lr=0.1, warmup_steps=8, r=0.5, 25 random steps", random_steps(1154, 25, shape=(4,)),
             {"lr": 0.1, "warmup_steps": 8, "r": 0.5}),
        Case("lr=0.2, warmup_steps=5, r=1, weight_lr_power=1, 20 random steps", random_steps(1155, 20, shape=(3,)),
             {"lr": 0.2, "warmup_steps": 5, "r": 1.0, "weight_lr_power": 1.0}),
        Case("lr=0.1, warmup_steps=6, r=3, weight_decay=0.1, 20 random steps", random_steps(1156, 20, shape=(2, 2)),
             {"lr": 0.1, "warmup_steps": 6, "r": 3.0, "weight_decay": 0.1}),
        Case("lr=0.1, warmup_steps=4, 12 random steps", random_steps(1157, 12, shape=(3,)),
             {"lr": 0.1, "warmup_steps": 4}),
        Case("lr=0.1, weight_decay=0.5, momentum=0.95, 30 random steps", random_steps(1158, 30, shape=(6,)),
             {"lr": 0.1, "weight_decay": 0.5, "momentum": 0.95}),
        Case("lr=0.3, weight_lr_power=0, warmup_steps=3, r=1, 15 random steps", random_steps(1159, 15, shape=(3,)),
             {"lr": 0.3, "weight_lr_power": 0.0, "warmup_steps": 3, "r": 1.0}),
        Case("lr=0.1, warmup_steps=50 (longer than the run), r=1, 10 steps", random_steps(1160, 10, shape=(3,)),
             {"lr": 0.1, "warmup_steps": 50, "r": 1.0}),
        Case("lr=0: every weight is 0, c = 0 and x stays at the start", random_steps(1161, 5, shape=(3,)),
             {"lr": 0.0}),
        Case("lr=0.2, momentum=0.8, warmup_steps=10, r=1, gradient of a quadratic taken at y, 80 steps",
             (np.array([2.0, -1.0, 0.5, 3.0]), lambda y: hessian @ (y - 1.0)),
             {"lr": 0.2, "momentum": 0.8, "warmup_steps": 10, "r": 1.0, "n_steps": 80}),
    ]


def uniform_average(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                        weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    c = 1.0 / (k + 1)  # the plain average: ignores r, the warm-up and lr_max
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * y)
    x = (1 - c) * x + c * z
    return momentum * x + (1 - momentum) * z, {"k": k + 1, "z": z, "x": x}


def returns_x(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                  weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    lr_max = max(state.get("lr_max", -1.0), lr_k)
    weight = (k + 1) ** r * lr_max ** weight_lr_power
    total = state.get("weight_sum", 0.0) + weight
    c = weight / total if total != 0 else 0.0
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * y)
    x = (1 - c) * x + c * z
    return x, {"k": k + 1, "lr_max": lr_max, "weight_sum": total, "z": z, "x": x}  # x where y belongs


def weight_decay_at_x(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                   weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    lr_max = max(state.get("lr_max", -1.0), lr_k)
    weight = (k + 1) ** r * lr_max ** weight_lr_power
    total = state.get("weight_sum", 0.0) + weight
    c = weight / total if total != 0 else 0.0
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * x)  # decay of x, not of y
    x = (1 - c) * x + c * z
    return momentum * x + (1 - momentum) * z, {"k": k + 1, "lr_max": lr_max, "weight_sum": total, "z": z, "x": x}


def y_interpolation_swapped(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                  weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    lr_max = max(state.get("lr_max", -1.0), lr_k)
    weight = (k + 1) ** r * lr_max ** weight_lr_power
    total = state.get("weight_sum", 0.0) + weight
    c = weight / total if total != 0 else 0.0
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * y)
    x = (1 - c) * x + c * z
    return (1 - momentum) * x + momentum * z, {"k": k + 1, "lr_max": lr_max, "weight_sum": total, "z": z, "x": x}


def warmup_off_by_one(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                          weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * k / warmup_steps if k < warmup_steps else lr  # the first step gets lr 0
    lr_max = max(state.get("lr_max", -1.0), lr_k)
    weight = (k + 1) ** r * lr_max ** weight_lr_power
    total = state.get("weight_sum", 0.0) + weight
    c = weight / total if total != 0 else 0.0
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * y)
    x = (1 - c) * x + c * z
    return momentum * x + (1 - momentum) * z, {"k": k + 1, "lr_max": lr_max, "weight_sum": total, "z": z, "x": x}


def x_averages_old_z(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                   weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    lr_max = max(state.get("lr_max", -1.0), lr_k)
    weight = (k + 1) ** r * lr_max ** weight_lr_power
    total = state.get("weight_sum", 0.0) + weight
    c = weight / total if total != 0 else 0.0
    x = (1 - c) * x + c * z  # averages the OLD z
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * y)
    return momentum * x + (1 - momentum) * z, {"k": k + 1, "lr_max": lr_max, "weight_sum": total, "z": z, "x": x}


def weight_ignores_lr(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                          weight_lr_power=2.0):
    y = np.asarray(params, dtype=np.float64)
    k = state.get("k", 0)
    z, x = state.get("z", y), state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    weight = (k + 1) ** r  # no lr_max ** weight_lr_power: warm-up steps weigh as much as the others
    total = state.get("weight_sum", 0.0) + weight
    c = weight / total
    z = z - lr_k * (np.asarray(grad, dtype=np.float64) + weight_decay * y)
    x = (1 - c) * x + c * z
    return momentum * x + (1 - momentum) * z, {"k": k + 1, "weight_sum": total, "z": z, "x": x}


EXERCISE = Exercise.of(
    SCHEDULE_FREE_SGD_STEP, reference=schedule_free_sgd_step, points=5, hidden=hidden,
    mistakes=[
        Mistake("uniform_average", "the averaging weight is not always 1 / k: c = weight / (sum of the weights) with "
                "weight = (k + 1)**r * lr_max**weight_lr_power (1 / (k + 1) only when r = 0 and there is no warm-up)",
                uniform_average),
        Mistake("returns_x", "the parameters returned are y = momentum * x + (1 - momentum) * z, where the next "
                "gradient is taken; x is kept in state['x'] for evaluation", returns_x),
        Mistake("weight_decay_at_x", "weight decay is taken at y, the point where the gradient was computed: "
                "g = grad + weight_decay * y (y is the params argument)", weight_decay_at_x),
        Mistake("y_interpolation_swapped", "y = momentum * x + (1 - momentum) * z: with momentum = 0.9, y is close "
                "to the average x", y_interpolation_swapped),
        Mistake("warmup_off_by_one", "step k (from 0) uses lr * (k + 1) / warmup_steps during the warm-up: the first "
                "step already moves", warmup_off_by_one),
        Mistake("x_averages_old_z", "z takes its SGD step first; x then averages in the NEW z: "
                "x = (1 - c) * x + c * z", x_averages_old_z),
        Mistake("weight_ignores_lr", "each weight is (k + 1)**r * lr_max**weight_lr_power: during the warm-up the "
                "steps with a small learning rate weigh less in the average", weight_ignores_lr),
    ])
