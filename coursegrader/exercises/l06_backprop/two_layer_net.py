"""two_layer_net: hidden cases and catalogued mistakes.

Every mistake is the whole network (linear -> ReLU -> linear -> softmax cross-entropy, forward and
backward) with one slip."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.nets import two_layer_net
from coursekit.check.tasks.l06_backprop import TWO_LAYER_NET, net_case


def hidden_cases():
    cases = [net_case(f"random N={n}, D={d}, H={h}, C={c}, seed {s}", s, n, d, h, c)
             for s, (n, d, h, c) in enumerate([(6, 4, 8, 3), (10, 5, 3, 4), (2, 3, 6, 5)], start=150)]
    big = net_case("b2 around 800: exp(scores) overflows unless the row maximum is subtracted", 160, 5, 4, 6, 3)
    big.args[0]["b2"] += 800.0
    cases.append(big)
    zero = net_case("a sample of zeros and b1 with zeros: pre-activations exactly 0 (relu'(0) = 0)", 170, 4, 3, 6, 3)
    params, X, y = zero.args
    params["b1"][::2] = 0.0
    X[0] = 0.0
    cases.append(zero)
    return cases


def _scores_and_dscores(h, W2, b2, y):
    """The softmax cross-entropy of ``h @ W2 + b2``: (loss, softmax - onehot), not yet divided by N."""
    n = h.shape[0]
    s = h @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -float(logp[np.arange(n), y].mean())
    ds = np.exp(logp)
    ds[np.arange(n), y] -= 1.0
    return loss, ds


def no_relu_mask(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    loss, ds = _scores_and_dscores(h, W2, b2, y)
    ds = ds / X.shape[0]
    da = ds @ W2.T                                   # slip: no (a > 0) mask
    return loss, {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ ds, "b2": ds.sum(axis=0)}


def grads_not_averaged(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    loss, ds = _scores_and_dscores(h, W2, b2, y)   # slip: ds not divided by N
    da = (ds @ W2.T) * (a > 0)
    return loss, {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ ds, "b2": ds.sum(axis=0)}


def dW2_uses_pre_activation(params, X, y):  # noqa: N802 - named after the mistake
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    loss, ds = _scores_and_dscores(h, W2, b2, y)
    ds = ds / X.shape[0]
    da = (ds @ W2.T) * (a > 0)
    return loss, {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": a.T @ ds, "b2": ds.sum(axis=0)}  # slip: a, not h


def bias_grad_mean(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    loss, ds = _scores_and_dscores(h, W2, b2, y)
    ds = ds / X.shape[0]
    da = (ds @ W2.T) * (a > 0)
    return loss, {"W1": X.T @ da, "b1": da.mean(axis=0), "W2": h.T @ ds, "b2": ds.mean(axis=0)}  # slip: mean


def relu_prime_zero_is_one(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    loss, ds = _scores_and_dscores(h, W2, b2, y)
    ds = ds / X.shape[0]
    da = (ds @ W2.T) * (a >= 0)                      # slip: relu'(0) = 1
    return loss, {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ ds, "b2": ds.sum(axis=0)}


EXERCISE = Exercise.of(
    TWO_LAYER_NET, reference=two_layer_net, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("no_relu_mask", "the gradient goes back through the ReLU unchanged; multiply by (pre-activation > 0)",
                no_relu_mask),
        Mistake("grads_not_averaged", "the loss is a mean over the batch, so every gradient is divided by N "
                "(dscores = (softmax - onehot) / N)", grads_not_averaged),
        Mistake("dW2_uses_pre_activation", "dW2 = h.T @ dscores with h the ReLU *output*, not the pre-activation",
                dW2_uses_pre_activation),
        Mistake("bias_grad_mean", "bias gradients sum the upstream gradient over the batch, they do not average it",
                bias_grad_mean),
        Mistake("relu_prime_zero_is_one", "relu'(0) = 0 (torch's convention): mask with pre-activation > 0, not >= 0",
                relu_prime_zero_is_one),
    ])
