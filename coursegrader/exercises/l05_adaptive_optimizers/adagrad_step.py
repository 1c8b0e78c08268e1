"""adagrad_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.adagrad import adagrad_step
from coursekit.check.tasks.l05_adaptive_optimizers import ADAGRAD_STEP

from ._shared import hidden, random_grads, rosenbrock_case


def hidden_cases():
    cases = hidden([("lr=0.05, lr_decay=0.01", {"lr": 0.05, "lr_decay": 0.01}),
                    ("weight_decay=0.3", {"weight_decay": 0.3}),
                    ("initial_accumulator_value=0.1, eps=1e-3", {"initial_accumulator_value": 0.1, "eps": 1e-3}),
                    ("every option: lr=0.2, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=1, eps=1e-6",
                     {"lr": 0.2, "lr_decay": 0.05, "weight_decay": 0.05, "initial_accumulator_value": 1.0,
                      "eps": 1e-6})], seed=500)
    # with the default eps=1e-10, sqrt(sum + eps) and sqrt(sum) + eps only differ for tiny sums
    cases.append(Case("defaults, 10 gradients of 1e-9: eps sits outside the sqrt",
                      random_grads(509, 10, shape=(3,), scale=1e-9)))
    cases.append(rosenbrock_case("lr=0.5", {"lr": 0.5}))
    return cases


def lr_decay_from_one(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                      eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    acc = acc + g * g
    clr = lr / (1 + t * lr_decay)  # the decay already on the first step
    return p - clr * g / (np.sqrt(acc) + eps), {"step": t, "sum": acc}


def eps_inside_sqrt(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                    eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    acc = acc + g * g
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * g / np.sqrt(acc + eps), {"step": t, "sum": acc}


def ignores_initial_accumulator(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                                initial_accumulator_value=0.0, eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, 0.0))
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    acc = acc + g * g
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * g / (np.sqrt(acc) + eps), {"step": t, "sum": acc}


def weight_decay_not_accumulated(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                                 initial_accumulator_value=0.0, eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    raw = np.asarray(grad, dtype=np.float64)
    g = raw + weight_decay * p
    acc = acc + raw * raw  # the raw gradient is squared into the sum
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * g / (np.sqrt(acc) + eps), {"step": t, "sum": acc}


def sum_not_squared(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                    eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    acc = acc + np.abs(g)
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * (g / (np.sqrt(acc) + eps)), {"step": t, "sum": acc}


def no_sqrt(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
            eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    acc = acc + g * g
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * (g / (acc + eps)), {"step": t, "sum": acc}


def lr_decay_multiplies(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                        initial_accumulator_value=0.0, eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    acc = acc + g * g
    clr = lr * (1 - (t - 1) * lr_decay)
    return p - clr * (g / (np.sqrt(acc) + eps)), {"step": t, "sum": acc}


def weight_decay_after_scaling(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                               initial_accumulator_value=0.0, eps=1e-10):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, initial_accumulator_value))
    acc = acc + g * g
    clr = lr / (1 + (t - 1) * lr_decay)
    step = g / (np.sqrt(acc) + eps) + weight_decay * p  # the decay joins after the scaling
    return p - clr * step, {"step": t, "sum": acc}


EXERCISE = Exercise.of(
    ADAGRAD_STEP, reference=adagrad_step, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("lr_decay_from_one", "lr_decay uses the step counted after the increment: torch's rate is "
                "lr / (1 + (t - 1) * lr_decay) with t = 1 on the first call (no decay on the first step)",
                lr_decay_from_one),
        Mistake("eps_inside_sqrt", "eps is inside the square root; Adagrad divides by sqrt(sum) + eps", eps_inside_sqrt),
        Mistake("ignores_initial_accumulator", "the accumulator starts at 0 whatever "
                "initial_accumulator_value says; it starts at initial_accumulator_value", ignores_initial_accumulator),
        Mistake("weight_decay_not_accumulated", "weight decay is added to the update but not to the gradient "
                "that is squared into the sum: fold it in first, g = grad + weight_decay * params",
                weight_decay_not_accumulated),
        Mistake("sum_not_squared", "the accumulator sums the squares of the gradients: sum = sum + g * g "
                "(a missing square)", sum_not_squared),
        Mistake("no_sqrt", "the step divides by the square root of the sum: g / (sqrt(sum) + eps)", no_sqrt),
        Mistake("lr_decay_multiplies", "lr_decay divides: clr = lr / (1 + (t - 1) * lr_decay), not "
                "lr * (1 - (t - 1) * lr_decay)", lr_decay_multiplies),
        Mistake("weight_decay_after_scaling", "weight decay joins the gradient before it is accumulated and "
                "scaled: g = g + weight_decay * params first", weight_decay_after_scaling),
    ])
