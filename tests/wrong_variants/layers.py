"""Wrong layers of lesson 06 (forward/backward pairs, losses, the two-layer net), one slip each.

A backward variant is graded with the cache of the forward beside it: none is defined here, so
the course's forward makes it (``(x, W, b)`` for linear, ``x`` for ReLU).
"""
import numpy as np

VARIANTS = []


def variant(exercise):
    def add(fn):
        VARIANTS.append((exercise, fn))
        return fn
    return add


@variant("linear_forward")
def linear_minus_bias(x, W, b):
    return x @ W - b, (x, W, b)


@variant("linear_forward")
def linear_bias_summed(x, W, b):
    return x @ W + b.sum(), (x, W, b)


@variant("linear_backward")
def linear_dW_averaged(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)


@variant("linear_backward")
def linear_db_first_row(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout[0]


@variant("linear_backward")
def linear_all_averaged(dout, cache):
    x, W, b = cache
    n = x.shape[0]
    return dout @ W.T / n, x.T @ dout / n, dout.sum(axis=0) / n


@variant("linear_backward")
def linear_dx_sign(dout, cache):
    x, W, b = cache
    return -dout @ W.T, x.T @ dout, dout.sum(axis=0)


@variant("relu_forward")
def relu_abs(x):
    return np.abs(x), x


@variant("relu_forward")
def relu_clip_one(x):
    return np.clip(x, 0.0, 1.0), x


@variant("relu_backward")
def relu_sign_mask(dout, cache):
    return dout * np.sign(cache)


@variant("relu_backward")
def relu_mask_on_dout(dout, cache):
    return dout * (dout > 0)


@variant("relu_backward")
def relu_times_x(dout, cache):
    return dout * np.maximum(cache, 0.0)


@variant("mse_forward_backward")
def mse_rmse(pred, y):
    d = pred - y
    return float(np.sqrt(np.mean(d ** 2))), 2 * d / d.size


@variant("mse_forward_backward")
def mse_grad_wrong_order(pred, y):
    d = y - pred
    return float(np.mean(d ** 2)), 2 * d / d.size


@variant("mse_forward_backward")
def mse_grad_by_n_minus_1(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), 2 * d / max(d.size - 1, 1)


@variant("softmax_cross_entropy")
def ce_mean_over_all(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    p = np.exp(logp)
    p[np.arange(n), y] -= 1
    return -float(logp[np.arange(n), y].sum() / logits.size), p / logits.size


@variant("softmax_cross_entropy")
def ce_onehot_not_subtracted(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    return -float(logp[np.arange(n), y].mean()), np.exp(logp) / n


@variant("softmax_cross_entropy")
def ce_natural_log_of_sum(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    p = np.exp(logp)
    p[np.arange(n), y] -= 1
    return -float(logp.sum(axis=1).mean()), p / n


def _net(params, X, y, slip):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    h_pre = X @ W1 + b1
    h = np.maximum(h_pre, 0.0)
    s = h @ W2 + b2
    z = s - s.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -float(logp[np.arange(n), y].mean())
    ds = np.exp(logp)
    ds[np.arange(n), y] -= 1
    ds /= n
    dW2 = h.T @ ds
    db2 = ds.sum(axis=0)
    dh = ds @ W2.T
    dh_pre = dh * (h > 0) if slip == "mask_on_output" else dh * (h_pre > 0)
    if slip == "mask_on_W":
        dh_pre = dh
    dW1 = X.T @ dh_pre
    db1 = dh_pre.sum(axis=0)
    if slip == "forgot_db1":
        db1 = np.zeros_like(b1)
    if slip == "dW1_transposed_X":
        dW1 = (dh_pre.T @ X).T * 1.0 / 1.0 if X.shape[1] != W1.shape[1] else X.T @ dh_pre * 2
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


@variant("two_layer_net")
def net_no_relu_grad(params, X, y):
    return _net(params, X, y, "mask_on_W")


@variant("two_layer_net")
def net_forgot_db1(params, X, y):
    return _net(params, X, y, "forgot_db1")


@variant("loss_along_line")
def line_alpha_squared(loss_fn, theta0, theta1, alphas):
    t0, t1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if t0.ndim != 1 or t0.shape != t1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    return np.array([loss_fn((1 - a) * t0 + a * a * t1) for a in alphas])


# --- issue 30: uncatalogued slips right next to catalogued ones ----------------------------------

@variant("softmax_cross_entropy")
def ce_grad_halved(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    p = np.exp(logp)
    p[np.arange(n), y] -= 1
    return -float(logp[np.arange(n), y].mean()), p / (2 * n)


@variant("linear_backward")
def linear_db_doubled(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, 2 * dout.sum(axis=0)


@variant("mse_forward_backward")
def mse_grad_missing_two_loss_halved(pred, y):
    d = pred - y
    return float(np.mean(d ** 2) / 2), d / d.size
