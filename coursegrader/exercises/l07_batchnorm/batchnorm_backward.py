"""batchnorm_backward: hidden cases and catalogued mistakes (graded with the cache of the student's own
batchnorm_forward; the reference's when that forward is missing or broken).

Every mistake is a whole backward with one slip; it reads the reference's cache (``x_hat``,
``gamma``, ``inv_std``, ``training``)."""
from __future__ import annotations

from functools import partial

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.batchnorm import batchnorm_backward, batchnorm_forward
from coursekit.check.tasks.l07_batchnorm import BATCHNORM_BACKWARD, bw_case, run_backward

from ._shared import affine, state


def hidden_cases():
    rng = np.random.default_rng(90)
    cases = [
        bw_case("(16, 5) batch, mean 3, std 2, eps=1e-3", rng.normal(3, 2, size=(16, 5)), *affine(rng, 5),
                rng.normal(size=(16, 5)), eps=1e-3),
        bw_case("batch of 2 samples", rng.normal(size=(2, 3)), *affine(rng, 3), rng.normal(size=(2, 3))),
        bw_case("a constant feature (variance 0): eps keeps it finite",
                np.column_stack([np.full(5, -1.0), rng.normal(size=5)]), *affine(rng, 2), rng.normal(size=(5, 2))),
        bw_case("eval mode from a non-zero running state: the statistics are constants",
                rng.normal(size=(6, 3)), *affine(rng, 3), rng.normal(size=(6, 3)), training=False,
                state=state(rng, 3)),
        bw_case("large dout (1e3) on a (8, 2) batch", rng.normal(size=(8, 2)), *affine(rng, 2),
                1e3 * rng.normal(size=(8, 2))),
    ]
    for seed in (91, 92, 93, 94):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(3, 24)), int(r.integers(1, 7))
        cases.append(bw_case(f"random ({n}, {c}) batch, random gamma, beta and dout",
                             r.normal(r.normal(), r.uniform(0.5, 3), size=(n, c)), *affine(r, c),
                             r.normal(size=(n, c)), eps=float(10.0 ** r.uniform(-6, -2))))
    return cases


def constant_statistics(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dx = dout * gamma * inv_std                                   # slip: no paths through mean and variance
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def missing_variance_term(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    g = dout * gamma
    if cache["training"]:
        dx = inv_std * (g - g.mean(axis=0))                       # slip: no - x_hat * sum(g * x_hat) / N
    else:
        dx = g * inv_std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def dgamma_without_xhat(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    g = dout * gamma
    if cache["training"]:
        dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    else:
        dx = g * inv_std
    return dx, dout.sum(axis=0), dout.sum(axis=0)                 # slip: dgamma without x_hat


def swapped_dgamma_dbeta(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    g = dout * gamma
    if cache["training"]:
        dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    else:
        dx = g * inv_std
    return dx, dout.sum(axis=0), (dout * x_hat).sum(axis=0)       # slip: (dx, dbeta, dgamma)


def missing_gamma(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, inv_std = cache["x_hat"], cache["inv_std"]
    n = dout.shape[0]
    g = dout                                                      # slip: gamma left out of dx
    if cache["training"]:
        dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    else:
        dx = g * inv_std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def params_averaged(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dgamma, dbeta = (dout * x_hat).mean(axis=0), dout.mean(axis=0)   # slip: averaged over the batch
    g = dout * gamma
    if not cache["training"]:
        return g * inv_std, dgamma, dbeta
    s1, s2 = g.sum(axis=0), (g * x_hat).sum(axis=0)
    return inv_std / n * (n * g - s1 - x_hat * s2), dgamma, dbeta


def sums_not_divided(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not cache["training"]:
        return g * inv_std, dgamma, dbeta
    s1, s2 = g.sum(axis=0), (g * x_hat).sum(axis=0)
    return inv_std * (g - s1 - x_hat * s2), dgamma, dbeta           # slip: the sums are not divided by N


def variance_term_sign(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not cache["training"]:
        return g * inv_std, dgamma, dbeta
    s1, s2 = g.sum(axis=0), (g * x_hat).sum(axis=0)
    return inv_std / n * (n * g - s1 + x_hat * s2), dgamma, dbeta   # slip: + x_hat * s2


def missing_mean_term(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not cache["training"]:
        return g * inv_std, dgamma, dbeta
    s2 = (g * x_hat).sum(axis=0)
    return inv_std / n * (n * g - x_hat * s2), dgamma, dbeta        # slip: no - sum(g)


EXERCISE = Exercise.of(
    BATCHNORM_BACKWARD, reference=batchnorm_backward, points=5, hidden=hidden_cases,
    run=partial(run_backward, reference_forward=batchnorm_forward),
    mistakes=[
        Mistake("constant_statistics", "dx treats the batch mean and variance as constants (dout * gamma / std); "
                "in training they depend on x, which adds the terms -sum(dx_hat) and -x_hat * sum(dx_hat * x_hat)",
                constant_statistics),
        Mistake("missing_variance_term", "dx misses the path through the variance: "
                "the term - x_hat * sum(dx_hat * x_hat) / N", missing_variance_term),
        Mistake("dgamma_without_xhat", "dgamma = sum over the batch of dout * x_hat (gamma multiplies x_hat)",
                dgamma_without_xhat),
        Mistake("swapped_dgamma_dbeta", "return (dx, dgamma, dbeta) in that order", swapped_dgamma_dbeta),
        Mistake("missing_gamma", "the gradient reaching x_hat is dout * gamma: gamma is missing in dx",
                missing_gamma),
        Mistake("params_averaged", "dgamma and dbeta sum over the batch (each sample adds its share); "
                "they are not averaged", params_averaged),
        Mistake("sums_not_divided", "the mean and variance terms are divided by N: "
                "dx = inv_std / N * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))", sums_not_divided),
        Mistake("variance_term_sign", "the variance term is subtracted: - x_hat * sum(dx_hat * x_hat) / N",
                variance_term_sign),
        Mistake("missing_mean_term", "dx misses the path through the mean: the term - sum(dx_hat) / N",
                missing_mean_term),
    ])
