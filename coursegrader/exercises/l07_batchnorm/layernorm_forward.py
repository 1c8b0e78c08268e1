"""layernorm_forward: hidden cases and catalogued mistakes (graded on ``out`` only; each mistake a
whole forward with one slip)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.layernorm import layernorm_forward
from coursekit.check.tasks.l07_batchnorm import LAYERNORM_FORWARD, lnf_case

from ._shared import affine


def hidden_cases():
    rng = np.random.default_rng(700)
    cases = [
        lnf_case("(8, 5) batch, mean 5, std 3", rng.normal(5.0, 3.0, size=(8, 5)), *affine(rng, 5)),
        lnf_case("one sample (1, 6): LayerNorm needs no batch", rng.normal(2.0, 1.0, size=(1, 6)), *affine(rng, 6)),
        lnf_case("(4, 4) batch, each row on its own scale, eps=0.5",
                 rng.normal(size=(4, 4)) * np.array([[0.1], [1.0], [10.0], [100.0]]), *affine(rng, 4), eps=0.5),
        lnf_case("a constant row (variance 0): eps keeps it finite",
                 np.vstack([np.full(5, 3.0), rng.normal(size=5), rng.normal(size=5)]), *affine(rng, 5)),
        lnf_case("large values: x ~ 1e3 + N(0, 1e-2), eps=1e-8", 1e3 + 1e-2 * rng.normal(size=(6, 4)),
                 *affine(rng, 4), eps=1e-8),
        lnf_case("C=1: every x_hat is 0, out = beta", rng.normal(size=(5, 1)), *affine(rng, 1)),
    ]
    for seed in (701, 702, 703):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(2, 16)), int(r.integers(2, 9))
        cases.append(lnf_case(f"random ({n}, {c}) batch, random gamma, beta, eps",
                              r.normal(r.normal(), r.uniform(0.5, 4), size=(n, c)), *affine(r, c),
                              eps=float(10.0 ** r.uniform(-6, -2))))
    return cases


def _cache(x_hat, gamma, std):
    return {"x_hat": x_hat, "gamma": np.asarray(gamma, dtype=np.float64), "inv_std": 1.0 / std}


def batch_axis(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)   # slip: over the batch
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, _cache(x_hat, gamma, std)


def whole_array(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean, var = x.mean(axis=None, keepdims=True), x.var(axis=None, keepdims=True)   # slip: one mean for all
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, _cache(x_hat, gamma, std)


def unbiased_variance(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, ddof=1, keepdims=True)   # slip: ddof=1
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, _cache(x_hat, gamma, std)


def eps_outside_sqrt(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    std = np.sqrt(var) + eps                                      # slip: eps outside the root
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, _cache(x_hat, gamma, std)


def swapped_affine(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    return beta * x_hat + gamma, _cache(x_hat, gamma, std)       # slip: gamma and beta swapped


def one_pass_variance(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=1, keepdims=True)
    var = (x ** 2).mean(axis=1, keepdims=True) - mean ** 2        # slip: E[x^2] - E[x]^2 cancels
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    return gamma * x_hat + beta, _cache(x_hat, gamma, std)


def variance_not_std(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=1, keepdims=True)
    inv = 1.0 / (x.var(axis=1, keepdims=True) + eps)              # slip: divides by the variance
    return gamma * centred * inv + beta, {"x_hat": centred * inv, "gamma": np.asarray(gamma, dtype=np.float64),
                                          "inv_std": inv}


EXERCISE = Exercise.of(
    LAYERNORM_FORWARD, reference=layernorm_forward, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("batch_axis", "LayerNorm normalises each sample over its features: mean and var along axis=1 "
                "(one value per row, keepdims=True); along axis=0 it is BatchNorm", batch_axis),
        Mistake("whole_array", "the statistics are per sample (per row, axis=1), not one mean and variance of "
                "the whole array", whole_array),
        Mistake("unbiased_variance", "the variance is the biased one (divide by C, np.var's default ddof=0), "
                "as torch.nn.LayerNorm", unbiased_variance),
        Mistake("eps_outside_sqrt", "eps goes inside the square root: (x - mean) / sqrt(var + eps)",
                eps_outside_sqrt),
        Mistake("swapped_affine", "gamma scales and beta shifts: out = gamma * x_hat + beta", swapped_affine),
        Mistake("one_pass_variance", "var = mean(x**2) - mean(x)**2 loses most digits when the mean is large "
                "compared with the spread (1e3 vs 1e-2 here); compute mean((x - mean)**2), as np.var does",
                one_pass_variance),
        Mistake("variance_not_std", "x_hat divides by the standard deviation sqrt(var + eps), not by the variance",
                variance_not_std),
    ])
