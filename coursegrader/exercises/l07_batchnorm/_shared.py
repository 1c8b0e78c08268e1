"""Case helpers several of lesson 07's exercises use."""
from __future__ import annotations


def affine(rng, c):
    """Seeded ``(gamma, beta)`` of shape (c,): gamma around 1, beta around 0."""
    return rng.normal(1.0, 0.5, size=c), rng.normal(0.0, 0.5, size=c)


def batches(rng, k, n, c, loc=0.0, scale=1.0):
    """``k`` seeded batches of shape (n, c)."""
    return [rng.normal(loc, scale, size=(n, c)) for _ in range(k)]


def state(rng, c):
    """A seeded non-zero running state of ``c`` features."""
    return {"running_mean": rng.normal(size=c), "running_var": rng.uniform(0.5, 2.0, size=c)}
