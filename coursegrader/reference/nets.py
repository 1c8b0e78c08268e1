"""Lesson 06: a two-layer network assembled from the layers of :mod:`coursegrader.reference.layers`."""
from __future__ import annotations

from .layers import linear_backward, linear_forward, relu_backward, relu_forward, softmax_cross_entropy


def two_layer_net(params, X, y):
    """Loss and gradients of ``linear -> ReLU -> linear -> softmax cross-entropy``.

    params: dict with W1 (D, H), b1 (H,), W2 (H, C), b2 (C,); X: (N, D); y: (N,) integer labels.
    Returns ``(loss, grads)``: loss a float (mean over the batch), grads a dict with the same keys
    and shapes as params. relu'(0) = 0 as in torch. Inputs are not modified.
    """
    h_pre, cache1 = linear_forward(X, params["W1"], params["b1"])
    h, cache_relu = relu_forward(h_pre)
    scores, cache2 = linear_forward(h, params["W2"], params["b2"])
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = linear_backward(dscores, cache2)
    dh_pre = relu_backward(dh, cache_relu)
    _, dW1, db1 = linear_backward(dh_pre, cache1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
