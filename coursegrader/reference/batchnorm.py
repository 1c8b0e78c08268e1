"""Lesson 07: batch normalization as a forward/backward pair, exactly ``torch.nn.BatchNorm1d`` on (N, C).

Conventions (those of torch):

- training mode normalises with the batch mean and the *biased* batch variance (divide by N);
- the running statistics are exponential moving averages with ``momentum`` the weight of the
  *new* batch: ``running = (1 - momentum) * running + momentum * batch_statistic``, and the
  running variance averages the *unbiased* batch variance (divide by N - 1);
- ``state`` holds ``running_mean`` and ``running_var`` (shape (C,)); ``{}`` means they start at
  0 and 1; the returned state is a new dict, the one passed in is left unchanged;
- eval mode (``training=False``) normalises with the running statistics and changes nothing.
"""
from __future__ import annotations

import numpy as np


def _running_stats(state: dict, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """``(running_mean, running_var)`` of a state dict as new float64 arrays; ``{}`` gives (0, 1)."""
    mean = state.get("running_mean")
    var = state.get("running_var")
    mean = np.zeros(n_features) if mean is None else np.array(mean, dtype=np.float64, copy=True)
    var = np.ones(n_features) if var is None else np.array(var, dtype=np.float64, copy=True)
    return mean, var


def batchnorm_forward(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    """Batch normalization of ``x`` (N, C) over the batch axis, then scale and shift per feature.

    x: (N, C); gamma, beta: (C,); state: dict with ``running_mean``, ``running_var`` (C,) or ``{}``.
    Returns ``(out, cache, new_state)``: out (N, C); cache for :func:`batchnorm_backward`;
    new_state a new dict (the running statistics updated in training mode, copied in eval mode).

    Training: ``x_hat = (x - mean) / sqrt(var + eps)`` with the batch mean and biased variance,
    ``out = gamma * x_hat + beta``. Eval: the same with the running statistics.
    """
    x = np.asarray(x, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be (N, C), got shape {x.shape}")
    n, c = x.shape
    running_mean, running_var = _running_stats(state, c)
    new_state = dict(state)
    if training:
        if n < 2:
            raise ValueError("training mode needs more than 1 value per feature (torch raises too)")
        mean = x.mean(axis=0)
        centred = x - mean
        var = (centred ** 2).mean(axis=0)              # biased: used to normalise
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = centred * inv_std
        new_state["running_mean"] = (1.0 - momentum) * running_mean + momentum * mean
        new_state["running_var"] = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
        new_state["running_mean"] = running_mean
        new_state["running_var"] = running_var
    out = gamma * x_hat + beta
    cache = {"x_hat": x_hat, "gamma": gamma.copy(), "inv_std": inv_std, "training": bool(training)}
    return out, cache, new_state


def batchnorm_backward(dout, cache):
    """Gradients of batch normalization. dout: (N, C) -> ``(dx (N, C), dgamma (C,), dbeta (C,))``.

    Training mode: the batch mean and variance depend on x, which gives
    ``dx = inv_std / N * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))`` with
    ``dx_hat = dout * gamma`` (sums over the batch axis). Eval mode: the running statistics are
    constants and ``dx = dout * gamma * inv_std``.
    """
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    if cache["training"]:
        n = dout.shape[0]
        dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    else:
        dx = dx_hat * inv_std
    return dx, dgamma, dbeta


def fold_batchnorm(W, b, gamma, beta, state, *, eps=1e-5):
    """Merge an eval-mode batch normalization into the linear layer before it.

    The layer ``z = x @ W + b`` (W: (D, M), b: (M,)) followed by eval-mode BatchNorm over the M
    features (gamma, beta: (M,); state: running statistics, ``{}`` = mean 0, var 1) is one affine
    map ``x @ W_f + b_f``: with ``s = gamma / sqrt(running_var + eps)``,
    ``W_f = W * s`` (column j scaled by s_j) and ``b_f = (b - running_mean) * s + beta``.
    Returns ``(W_f (D, M), b_f (M,))``, as ``torch.nn.utils.fusion.fuse_linear_bn_eval``.
    """
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    running_mean, running_var = _running_stats(state, W.shape[1])
    scale = np.asarray(gamma, dtype=np.float64) / np.sqrt(running_var + eps)
    return W * scale, (b - running_mean) * scale + np.asarray(beta, dtype=np.float64)
