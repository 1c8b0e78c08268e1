"""layernorm_backward: hidden cases and catalogued mistakes (graded with the cache of the student's own
layernorm_forward; the reference's when that forward is missing or broken).

Every mistake is a whole backward with one slip; it reads the reference's cache (``x_hat``,
``gamma``, ``inv_std`` (N, 1))."""
from __future__ import annotations

from functools import partial

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.layernorm import layernorm_backward, layernorm_forward
from coursekit.check.tasks.l07_batchnorm import LAYERNORM_BACKWARD, lnb_case, run_layernorm_backward

from ._shared import affine


def hidden_cases():
    rng = np.random.default_rng(710)
    cases = [
        lnb_case("(6, 5) batch, mean 3, std 2, eps=1e-3", rng.normal(3, 2, size=(6, 5)), *affine(rng, 5),
                 rng.normal(size=(6, 5)), eps=1e-3),
        lnb_case("one sample (1, 4)", rng.normal(size=(1, 4)), *affine(rng, 4), rng.normal(size=(1, 4))),
        lnb_case("a constant row (variance 0): eps keeps it finite",
                 np.vstack([np.full(4, -1.0), rng.normal(size=4), rng.normal(size=4)]), *affine(rng, 4),
                 rng.normal(size=(3, 4))),
        lnb_case("large dout (1e3) on a (5, 3) batch, eps=0.5", rng.normal(size=(5, 3)), *affine(rng, 3),
                 1e3 * rng.normal(size=(5, 3)), eps=0.5),
        lnb_case("(3, 7) batch: more features than samples", rng.normal(size=(3, 7)), *affine(rng, 7),
                 rng.normal(size=(3, 7))),
    ]
    for seed in (711, 712, 713, 714):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(2, 16)), int(r.integers(2, 9))
        cases.append(lnb_case(f"random ({n}, {c}) batch, random gamma, beta, dout and eps",
                              r.normal(r.normal(), r.uniform(0.5, 3), size=(n, c)), *affine(r, c),
                              r.normal(size=(n, c)), eps=float(10.0 ** r.uniform(-6, -2))))
    return cases


def batch_axis_sums(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    m = dout.shape[0]
    g = dout * gamma                                              # slip: BatchNorm's sums, over the batch
    dx = inv_std / m * (m * g - g.sum(axis=0, keepdims=True) - x_hat * (g * x_hat).sum(axis=0, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def constant_statistics(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dx = dout * gamma * inv_std                                   # slip: no paths through mean and variance
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def missing_variance_term(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=1, keepdims=True))            # slip: no variance term
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def dgamma_without_xhat(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    g = dout * gamma
    dx = inv_std / c * (c * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    return dx, dout.sum(axis=0), dout.sum(axis=0)                 # slip: dgamma without x_hat


def swapped_dgamma_dbeta(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    g = dout * gamma
    dx = inv_std / c * (c * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    return dx, dout.sum(axis=0), (dout * x_hat).sum(axis=0)       # slip: (dx, dbeta, dgamma)


def missing_gamma(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, inv_std = cache["x_hat"], cache["inv_std"]
    c = dout.shape[1]
    g = dout                                                      # slip: gamma left out of dx
    dx = inv_std / c * (c * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def variance_term_sign(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    g = dout * gamma
    dx = inv_std / c * (c * g - g.sum(axis=1, keepdims=True)
                        + x_hat * (g * x_hat).sum(axis=1, keepdims=True))   # slip: + instead of -
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def params_averaged(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n, c = dout.shape
    g = dout * gamma
    dx = inv_std / c * (c * g - g.sum(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0) / n, dout.sum(axis=0) / n   # slip: averaged over the batch


EXERCISE = Exercise.of(
    LAYERNORM_BACKWARD, reference=layernorm_backward, points=4, hidden=hidden_cases,
    run=partial(run_layernorm_backward, reference_forward=layernorm_forward),
    mistakes=[
        Mistake("batch_axis_sums", "BatchNorm's backward sums over the batch (axis=0); a LayerNorm row's mean "
                "and variance depend on that row only, so the sums in dx run over the features (axis=1, "
                "keepdims=True) and divide by C", batch_axis_sums),
        Mistake("constant_statistics", "dx treats each row's mean and variance as constants (dout * gamma / std); "
                "they depend on x, which adds -sum(dx_hat) and -x_hat * sum(dx_hat * x_hat) over the features",
                constant_statistics),
        Mistake("missing_variance_term", "dx misses the path through the variance: the term "
                "- x_hat * sum(dx_hat * x_hat) / C (sum over the features)", missing_variance_term),
        Mistake("dgamma_without_xhat", "dgamma = sum over the batch of dout * x_hat (gamma multiplies x_hat)",
                dgamma_without_xhat),
        Mistake("swapped_dgamma_dbeta", "return (dx, dgamma, dbeta) in that order", swapped_dgamma_dbeta),
        Mistake("missing_gamma", "the gradient reaching x_hat is dout * gamma: gamma is missing in dx",
                missing_gamma),
        Mistake("variance_term_sign", "the variance term is subtracted: - x_hat * sum(dx_hat * x_hat) / C",
                variance_term_sign),
        Mistake("params_averaged", "dgamma and dbeta sum over the batch; they are not averaged",
                params_averaged),
    ])
