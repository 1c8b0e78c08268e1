"""batchnorm_forward[eval] (running statistics across training batches, and eval mode): hidden cases
and catalogued mistakes. Every mistake is a whole batchnorm_forward with one slip."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.batchnorm import batchnorm_forward
from coursekit.check.tasks.l07_batchnorm import BATCHNORM_FORWARD_EVAL

from ._shared import affine, batches, state
from .batchnorm_forward import EPS_OUTSIDE, eps_outside_sqrt


def hidden_cases():
    rng = np.random.default_rng(80)
    cases = []
    g, b = affine(rng, 3)
    calls = [(x, True) for x in batches(rng, 4, 10, 3, 4.0, 2.0)] + [(rng.normal(4.0, 2.0, size=(5, 3)), False)]
    cases.append(Case("4 training batches (10, 3), mean 4, std 2, from state={}, then eval", (calls, g, b, {})))
    calls = [(x, True) for x in batches(rng, 3, 6, 2, -1.0, 0.3)]
    calls += [(rng.normal(size=(4, 2)), False), (rng.normal(size=(3, 2)), False), (rng.normal(size=(6, 2)), True)]
    cases.append(Case("non-zero running state, momentum=0.3, eps=1e-3: train x3, eval x2, train",
                      (calls, *affine(rng, 2), state(rng, 2)), {"momentum": 0.3, "eps": 1e-3}))
    cases.append(Case("eval only, from a non-zero running state: nothing may change",
                      ([(rng.normal(size=(5, 4)), False), (rng.normal(size=(2, 4)), False)], *affine(rng, 4),
                       state(rng, 4))))
    cases.append(Case("momentum=1: the running statistics become the last batch's",
                      ([(rng.normal(2, 3, size=(7, 3)), True), (rng.normal(size=(3, 3)), False)], *affine(rng, 3),
                       state(rng, 3)), {"momentum": 1.0}))
    cases.append(Case("momentum=0: the running statistics never move",
                      ([(rng.normal(2, 3, size=(7, 3)), True), (rng.normal(size=(3, 3)), False)], *affine(rng, 3),
                       state(rng, 3)), {"momentum": 0.0}))
    cases.append(Case("batches of 2 samples (unbiased variance divides by 1), then eval",
                      ([(rng.normal(size=(2, 3)), True), (rng.normal(size=(2, 3)), True),
                        (rng.normal(size=(4, 3)), False)], *affine(rng, 3), {})))
    for seed in (81, 82, 83):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(3, 16)), int(r.integers(1, 6))
        calls = [(x, True) for x in batches(r, 5, n, c, r.normal(), r.uniform(0.5, 3))]
        calls.append((r.normal(size=(n, c)), False))
        cases.append(Case(f"random: 5 training batches ({n}, {c}), then eval, random momentum and state",
                          (calls, *affine(r, c), state(r, c)), {"momentum": float(r.uniform(0.05, 0.5))}))
    return cases


def _start(x, state_in, var0=1.0):
    """The input as float64 and the incoming running statistics (``{}``: mean 0, variance ``var0``)."""
    x = np.asarray(x, dtype=np.float64)
    c = x.shape[1]
    rm = np.array(state_in.get("running_mean", np.zeros(c)), dtype=np.float64)
    rv = np.array(state_in.get("running_var", np.full(c, var0)), dtype=np.float64)
    return x, rm, rv


def _cache(x_hat, gamma, std, training):
    return {"x_hat": x_hat, "gamma": np.asarray(gamma, dtype=np.float64), "inv_std": 1.0 / std,
            "training": bool(training)}


def biased_running_var(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0)       # slip: biased variance (ddof=0)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def momentum_reversed(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    if training:                                                  # slip: momentum weighs the old value
        rm = momentum * rm + (1 - momentum) * x.mean(axis=0)
        rv = momentum * rv + (1 - momentum) * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def eval_updates_state(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    rm = (1 - momentum) * rm + momentum * x.mean(axis=0)          # slip: updated in eval mode too
    rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def eval_batch_stats(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = x.mean(axis=0), x.var(axis=0)                     # slip: batch statistics in eval mode too
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def var_starts_zero(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state, var0=0.0)                        # slip: {} read as running_var 0
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def running_not_updated(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    new = dict(state)                                             # slip: the running statistics never move
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, 1.0 / inv_std, training), new


def running_replaced(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    new = dict(state)
    if training:                                                  # slip: replaced, not averaged
        rm, rv = x.mean(axis=0), x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, 1.0 / inv_std, training), new


def eval_no_eps(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (rm, rv)
    with np.errstate(divide="ignore"):
        inv_std = 1.0 / np.sqrt(var)                              # slip: no eps (in both modes)
    with np.errstate(invalid="ignore"):
        x_hat = (x - mean) * inv_std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    with np.errstate(divide="ignore"):
        return gamma * x_hat + beta, _cache(x_hat, gamma, 1.0 / inv_std, training), new


EXERCISE = Exercise.of(
    BATCHNORM_FORWARD_EVAL, reference=batchnorm_forward, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("eps_outside_sqrt", EPS_OUTSIDE, eps_outside_sqrt),
        Mistake("biased_running_var", "running_var averages the unbiased batch variance (divide by N - 1, "
                "np.var(x, axis=0, ddof=1)), as torch does; the biased one is only for normalising",
                biased_running_var),
        Mistake("momentum_reversed", "momentum is the weight of the new batch: running = (1 - momentum) * "
                "running + momentum * batch_statistic (torch's convention, the opposite of the optimizers' beta)",
                momentum_reversed),
        Mistake("eval_updates_state", "eval mode must leave the running statistics unchanged: update them "
                "in training mode only", eval_updates_state),
        Mistake("eval_batch_stats", "eval mode normalises with the running statistics, not the statistics "
                "of the batch it is given", eval_batch_stats),
        Mistake("var_starts_zero", "an empty state means running_mean = 0 and running_var = 1 "
                "(torch's start), not a running variance of 0", var_starts_zero),
        Mistake("running_not_updated", "training mode updates the running statistics: running = (1 - momentum) * "
                "running + momentum * batch statistic", running_not_updated),
        Mistake("running_replaced", "the running statistics are a moving average, (1 - momentum) * running + "
                "momentum * batch; they are not replaced by the batch's", running_replaced),
        Mistake("eval_no_eps", "eval mode divides by sqrt(running_var + eps): eps is missing", eval_no_eps),
    ])
