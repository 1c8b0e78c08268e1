"""Small synthetic data sets, generated on the fly (nothing is downloaded). All float64.

Every generator takes ``n`` samples and a ``seed`` and returns ``(X, y)``.
"""
from __future__ import annotations

import numpy as np


def linear_regression(n=200, d=3, noise=0.1, seed=0):
    """y = X @ w_true + b_true + noise. X: (n, d), y: (n,). Returns (X, y, w_true, b_true)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    b = float(rng.normal())
    y = X @ w + b + noise * rng.normal(size=n)
    return X, y, w, b


def two_circles(n=400, noise=0.08, factor=0.5, seed=0):
    """Two concentric rings in 2-d: inner ring label 1, outer ring label 0. X: (n, 2), y: (n,) int."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    angles = rng.uniform(0, 2 * np.pi, size=n)
    radius = np.where(np.arange(n) < n_out, 1.0, factor)
    X = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    X += noise * rng.normal(size=X.shape)
    y = (np.arange(n) >= n_out).astype(np.int64)
    order = rng.permutation(n)
    return X[order], y[order]


def blobs(n=500, centers=3, d=2, spread=1.0, seed=0, box=5.0):
    """Gaussian blobs around ``centers`` random centres. X: (n, d), y: (n,) int in [0, centers)."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-box, box, size=(centers, d))
    y = rng.integers(0, centers, size=n)
    X = means[y] + spread * rng.normal(size=(n, d))
    return X, y.astype(np.int64)


def unscaled_regression(n=500, d=20, scale=1e3, noise=0.1, seed=0):
    """A regression problem whose targets are large (std ~ ``scale``): exploding gradients
    for an unscaled MSE. X: (n, d), y: (n,)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = scale * (X @ w + noise * rng.normal(size=n))
    return X, y


def sparse_features(n=500, d=50, density=0.05, noise=0.05, seed=0):
    """Linear regression with rare features (most columns are 0 almost always): where Adagrad shines.
    X: (n, d) with column j non-zero with probability ``density * (j + 1) / d * 2``; y: (n,)."""
    rng = np.random.default_rng(seed)
    p = np.clip(density * 2 * (np.arange(d) + 1) / d, 0, 1)
    X = (rng.random((n, d)) < p) * rng.normal(1.0, 0.2, size=(n, d))
    w = rng.normal(size=d)
    y = X @ w + noise * rng.normal(size=n)
    return X, y
