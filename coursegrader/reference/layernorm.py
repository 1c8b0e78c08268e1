"""Lesson 07: layer normalization as a forward/backward pair, exactly ``torch.nn.LayerNorm(C)`` on (N, C).

Where BatchNorm normalises each feature over the batch, LayerNorm normalises each sample over its
features: per row, the mean and the *biased* variance (divide by C), then a per-feature scale
``gamma`` and shift ``beta``. Nothing is carried from one batch to the next (no running statistics),
so training and evaluation compute the same thing and a batch of one sample is fine.
"""
from __future__ import annotations

import numpy as np


def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    """Layer normalization of ``x`` (N, C) over its features, then scale and shift per feature.

    x: (N, C); gamma, beta: (C,); eps: float added to the variance inside the square root.
    ``x_hat = (x - mean) / sqrt(var + eps)`` with the mean and biased variance of each row
    (axis=1), ``out = gamma * x_hat + beta``. Returns ``(out (N, C), cache)``, the cache being
    what :func:`layernorm_backward` needs (``x_hat``, ``gamma`` and ``inv_std`` (N, 1)).
    Raises ``ValueError`` if x is not 2-D or gamma, beta are not of shape (C,).
    """
    x = np.asarray(x, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"layernorm_forward needs x of shape (N, C), got shape {x.shape}")
    if gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"layernorm_forward needs gamma and beta of shape (C,) = ({x.shape[1]},), got "
                         f"{gamma.shape} and {beta.shape}")
    centred = x - x.mean(axis=1, keepdims=True)
    var = (centred ** 2).mean(axis=1, keepdims=True)  # biased: divide by C, as torch
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    out = gamma * x_hat + beta
    return out, {"x_hat": x_hat, "gamma": gamma.copy(), "inv_std": inv_std}


def layernorm_backward(dout, cache):
    """Gradients of layer normalization. dout: (N, C) -> ``(dx (N, C), dgamma (C,), dbeta (C,))``.

    ``dgamma`` and ``dbeta`` sum over the batch (gamma and beta are shared by every row); each
    row's mean and variance depend on that row only, so with ``dx_hat = dout * gamma`` and sums over
    the features (axis=1):
    ``dx = inv_std / C * (C * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))``,
    BatchNorm's formula with the roles of the two axes exchanged.
    """
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std / c * (c * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta
