"""fold_batchnorm: hidden cases and catalogued mistakes (each a whole fold with one slip)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.batchnorm import fold_batchnorm
from coursekit.check.tasks.l07_batchnorm import FOLD_BATCHNORM

from ._shared import affine, state


def hidden_cases():
    rng = np.random.default_rng(95)
    cases = [Case("state={} (mean 0, var 1), W (4, 2)", (rng.normal(size=(4, 2)), rng.normal(size=2),
                                                           *affine(rng, 2), {})),
             Case("W (3, 3) square, non-zero running state, eps=1e-3",
                  (rng.normal(size=(3, 3)), rng.normal(size=3), *affine(rng, 3), state(rng, 3)), {"eps": 1e-3}),
             Case("a running variance of 0 for one feature, eps=0.5",
                  (rng.normal(size=(2, 3)), rng.normal(size=3), *affine(rng, 3),
                   {"running_mean": rng.normal(size=3), "running_var": np.array([0.0, 1.0, 2.0])}), {"eps": 0.5})]
    for seed in (96, 97, 98):
        r = np.random.default_rng(seed)
        d, m = int(r.integers(1, 8)), int(r.integers(1, 8))
        cases.append(Case(f"random W ({d}, {m}), random running state",
                          (r.normal(size=(d, m)), r.normal(size=m), *affine(r, m), state(r, m)),
                          {"eps": float(10.0 ** r.uniform(-5, -1))}))
    return cases


def no_eps(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = np.asarray(state.get("running_mean", np.zeros(m)), dtype=np.float64)
    var = np.asarray(state.get("running_var", np.ones(m)), dtype=np.float64)
    s = gamma / np.sqrt(var)                                      # slip: no eps
    return np.asarray(W, dtype=np.float64) * s, (np.asarray(b, dtype=np.float64) - mean) * s + beta


def variance_not_std(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = np.asarray(state.get("running_mean", np.zeros(m)), dtype=np.float64)
    var = np.asarray(state.get("running_var", np.ones(m)), dtype=np.float64)
    s = gamma / (var + eps)                                       # slip: the variance, not its root
    return np.asarray(W, dtype=np.float64) * s, (np.asarray(b, dtype=np.float64) - mean) * s + beta


def mean_not_scaled(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = np.asarray(state.get("running_mean", np.zeros(m)), dtype=np.float64)
    var = np.asarray(state.get("running_var", np.ones(m)), dtype=np.float64)
    s = gamma / np.sqrt(var + eps)
    return np.asarray(W, dtype=np.float64) * s, np.asarray(b, dtype=np.float64) * s - mean + beta  # slip


def bias_not_scaled(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = np.asarray(state.get("running_mean", np.zeros(m)), dtype=np.float64)
    var = np.asarray(state.get("running_var", np.ones(m)), dtype=np.float64)
    s = gamma / np.sqrt(var + eps)
    return np.asarray(W, dtype=np.float64) * s, np.asarray(b, dtype=np.float64) - mean * s + beta  # slip


def eps_outside_sqrt(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = np.asarray(state.get("running_mean", np.zeros(m)), dtype=np.float64)
    var = np.asarray(state.get("running_var", np.ones(m)), dtype=np.float64)
    s = gamma / (np.sqrt(var) + eps)                              # slip: eps outside the root
    return np.asarray(W, dtype=np.float64) * s, (np.asarray(b, dtype=np.float64) - mean) * s + beta


EXERCISE = Exercise.of(
    FOLD_BATCHNORM, reference=fold_batchnorm, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("no_eps", "eval mode divides by sqrt(running_var + eps): eps is missing", no_eps),
        Mistake("variance_not_std", "the scale is gamma / sqrt(running_var + eps), the standard deviation, "
                "not the variance", variance_not_std),
        Mistake("mean_not_scaled", "the running mean is subtracted before scaling: b_f = (b - running_mean) * s "
                "+ beta", mean_not_scaled),
        Mistake("bias_not_scaled", "the bias goes through the normalisation too: b_f = (b - running_mean) * s "
                "+ beta, not b - running_mean * s + beta", bias_not_scaled),
        Mistake("eps_outside_sqrt", "eps goes inside the square root: s = gamma / sqrt(running_var + eps)",
                eps_outside_sqrt),
    ])
