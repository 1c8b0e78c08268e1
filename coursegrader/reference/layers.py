"""Lesson 06: layers as forward/backward pairs (CS231n style), numpy float64.

Every ``*_forward`` returns ``(out, cache)``; the matching ``*_backward(dout, cache)`` takes the
upstream gradient ``dout = dL/dout`` (same shape as ``out``) and returns the gradients of the loss
with respect to the forward's inputs. Inputs are never modified.
"""
from __future__ import annotations

import numpy as np


def linear_forward(x, W, b):
    """Affine layer ``out = x @ W + b``.

    x: (N, D) inputs, one row per sample; W: (D, M); b: (M,).
    Returns out (N, M) and cache ``(x, W, b)``.
    """
    x, W, b = (np.asarray(a, dtype=np.float64) for a in (x, W, b))
    return x @ W + b, (x, W, b)


def linear_backward(dout, cache):
    """Gradients of the affine layer.

    dout: (N, M); cache: ``(x, W, b)`` from :func:`linear_forward`.
    Returns ``(dx, dW, db)`` of shapes (N, D), (D, M), (M,):
    ``dx = dout @ W.T``, ``dW = x.T @ dout``, ``db = dout.sum(axis=0)`` (b is shared by every row).
    """
    x, W, _ = cache
    dout = np.asarray(dout, dtype=np.float64)
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """``out = max(x, 0)`` elementwise. x: any shape. Returns out (same shape) and cache ``x``."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    """``dx = dout * (x > 0)``: torch's convention relu'(0) = 0. dout, cache (x): same shape."""
    x = cache
    return np.where(x > 0, np.asarray(dout, dtype=np.float64), 0.0)


def mse_forward_backward(pred, y):
    """Mean squared error (torch ``MSELoss``, mean reduction over every element) and its gradient.

    pred, y: same shape (N,) or (N, K). Returns ``(loss, dpred)``: loss a float
    ``mean((pred - y)**2)``, dpred ``2 (pred - y) / pred.size`` (shape of pred).
    """
    pred = np.asarray(pred, dtype=np.float64)
    diff = pred - np.asarray(y, dtype=np.float64)
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size


def softmax_cross_entropy(logits, y):
    """Softmax cross-entropy with integer labels, mean over the batch (torch ``cross_entropy``).

    logits: (N, C) scores; y: (N,) integers in [0, C). Returns ``(loss, dlogits)``: loss a float
    ``-mean(log softmax(logits)[i, y_i])``, dlogits (N, C) ``(softmax(logits) - onehot(y)) / N``.
    Stable for any size of logits: the row maximum is subtracted before exponentiating
    (softmax does not change), and log-softmax is ``shifted - log(sum(exp(shifted)))``.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -float(log_probs[rows, y].mean())
    dlogits = np.exp(log_probs)
    dlogits[rows, y] -= 1.0
    return loss, dlogits / n
