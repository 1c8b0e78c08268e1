"""batchnorm_forward (training mode, the outputs of several batches): hidden cases and catalogued mistakes.

Every mistake is a whole batchnorm_forward with one slip."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.batchnorm import batchnorm_forward
from coursekit.check.tasks.l07_batchnorm import BATCHNORM_FORWARD

from ._shared import affine, batches, state


def hidden_cases():
    rng = np.random.default_rng(70)
    g, b = affine(rng, 4)
    cases = [
        Case("3 batches (8, 4), mean 5, std 3, running state not zero", (batches(rng, 3, 8, 4, 5.0, 3.0), g, b,
                                                                         state(rng, 4))),
        Case("2 batches (16, 3), momentum=0.5, eps=1e-3, running state not zero",
             (batches(rng, 2, 16, 3, -2.0, 0.5), *affine(rng, 3), state(rng, 3)), {"momentum": 0.5, "eps": 1e-3}),
        Case("batch of 2 samples (the smallest torch allows), eps=0.5",
             ([rng.normal(size=(2, 5))], *affine(rng, 5), {}), {"eps": 0.5}),
        Case("a constant feature (variance 0): eps keeps it finite",
             ([np.column_stack([np.full(6, 3.0), rng.normal(size=6)])], *affine(rng, 2), {})),
        Case("large values: x ~ 1e3 + N(0, 1e-2), eps=1e-8",
             ([1e3 + 1e-2 * rng.normal(size=(10, 3))], *affine(rng, 3), state(rng, 3)), {"eps": 1e-8}),
    ]
    for seed in (71, 72, 73):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(3, 20)), int(r.integers(1, 7))
        cases.append(Case(f"random: 2 batches ({n}, {c}), random gamma, beta and running state",
                          (batches(r, 2, n, c, r.normal(), r.uniform(0.5, 4)), *affine(r, c), state(r, c)),
                          {"momentum": float(r.uniform(0.05, 0.9))}))
    return cases


def _start(x, state_in):
    """The input as float64 and the incoming running statistics (``{}``: mean 0, variance 1)."""
    x = np.asarray(x, dtype=np.float64)
    c = x.shape[1]
    rm = np.array(state_in.get("running_mean", np.zeros(c)), dtype=np.float64)
    rv = np.array(state_in.get("running_var", np.ones(c)), dtype=np.float64)
    return x, rm, rv


def _cache(x_hat, gamma, std, training):
    return {"x_hat": x_hat, "gamma": np.asarray(gamma, dtype=np.float64), "inv_std": 1.0 / std,
            "training": bool(training)}


def eps_outside_sqrt(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    if training:
        mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
    else:
        mean, var = rm, rv
    std = np.sqrt(var) + eps                                  # slip: eps outside the root
    x_hat = (x - mean) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def wrong_axis(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    if training:                                              # slip: statistics of each sample (axis=1)
        x_hat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + eps)
        std = np.sqrt(x.var(axis=0, keepdims=True) + eps)
    else:
        std = np.sqrt(rv + eps)
        x_hat = (x - rm) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def running_stats_in_training(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    std = np.sqrt(rv + eps)                                   # slip: running statistics in training too
    x_hat = (x - rm) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def unbiased_normalisation(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    if training:                                              # slip: ddof=1 to normalise
        mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, ddof=1, keepdims=True)
    else:
        mean, var = rm, rv
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, std, training), new


def swapped_affine(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    if training:
        mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
    else:
        mean, var = rm, rv
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return beta * x_hat + gamma, _cache(x_hat, gamma, std, training), new   # slip: gamma and beta swapped


def one_pass_variance(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    if training:                                              # slip: E[x^2] - E[x]^2 cancels
        mean = x.mean(axis=0)
        var = (x ** 2).mean(axis=0) - mean ** 2
        out = gamma * (x - mean) / np.sqrt(var + eps) + beta
        std = np.sqrt(x.var(axis=0, keepdims=True) + eps)
        x_hat = (x - mean) / std
    else:
        std = np.sqrt(rv + eps)
        x_hat = (x - rm) / std
        out = gamma * x_hat + beta
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return out, _cache(x_hat, gamma, std, training), new


def variance_not_std(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    x, rm, rv = _start(x, state)
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
    else:
        mean, var = rm, rv
    inv_std = 1.0 / (var + eps)                               # slip: divides by the variance
    x_hat = (x - mean) * inv_std
    new = dict(state)
    if training:
        rm = (1 - momentum) * rm + momentum * x.mean(axis=0)
        rv = (1 - momentum) * rv + momentum * x.var(axis=0, ddof=1)
    new["running_mean"], new["running_var"] = rm, rv
    return gamma * x_hat + beta, _cache(x_hat, gamma, 1.0 / inv_std, training), new


EPS_OUTSIDE = "eps goes inside the square root: (x - mean) / sqrt(var + eps), in both modes"
WRONG_AXIS = ("the statistics are per feature, over the batch: mean and var along axis=0 (one value per "
              "column), not along axis=1")

EXERCISE = Exercise.of(
    BATCHNORM_FORWARD, reference=batchnorm_forward, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("eps_outside_sqrt", EPS_OUTSIDE, eps_outside_sqrt),
        Mistake("wrong_axis", WRONG_AXIS, wrong_axis),
        Mistake("running_stats_in_training", "in training mode normalise with the statistics of the batch, "
                "not the running ones (those are for eval mode)", running_stats_in_training),
        Mistake("unbiased_normalisation", "the variance used to normalise is the biased one (divide by N, "
                "np.var's default); the unbiased one (N - 1) only goes into running_var", unbiased_normalisation),
        Mistake("swapped_affine", "gamma scales and beta shifts: out = gamma * x_hat + beta", swapped_affine),
        Mistake("one_pass_variance", "var = mean(x**2) - mean(x)**2 loses most digits when the mean is large "
                "compared with the spread (1e3 vs 1e-2 here); compute mean((x - mean)**2), as np.var does",
                one_pass_variance),
        Mistake("variance_not_std", "x_hat divides by the standard deviation sqrt(var + eps), not by the variance",
                variance_not_std),
    ])
