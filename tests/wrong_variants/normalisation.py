"""Wrong BatchNorm and LayerNorm functions (lesson 07), one slip each, written as a student would.

Backward variants get the cache of the course's forward (no forward is defined beside them):
a dict with ``x_hat``, ``gamma``, ``inv_std`` and (BatchNorm) ``training``.
"""
import numpy as np

VARIANTS = []


def _bn(x, gamma, beta, state, training, momentum, eps, slip):
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape
    rm = state.get("running_mean", np.zeros(c))
    rv = state.get("running_var", np.zeros(c) if slip == "var_starts_zero" else np.ones(c))
    new = dict(state)
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0, ddof=1 if slip == "unbiased_norm" else 0)
        if slip == "std_not_var":
            inv_std = 1.0 / (x.std(axis=0) + eps)
        else:
            inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mean) * inv_std
        unbiased = x.var(axis=0, ddof=1)
        if slip == "momentum_reversed":
            new["running_mean"] = momentum * rm + (1 - momentum) * mean
            new["running_var"] = momentum * rv + (1 - momentum) * unbiased
        elif slip == "running_not_updated":
            new["running_mean"], new["running_var"] = rm, rv
        elif slip == "running_var_biased":
            new["running_mean"] = (1 - momentum) * rm + momentum * mean
            new["running_var"] = (1 - momentum) * rv + momentum * x.var(axis=0)
        elif slip == "no_momentum":
            new["running_mean"], new["running_var"] = mean, unbiased
        else:
            new["running_mean"] = (1 - momentum) * rm + momentum * mean
            new["running_var"] = (1 - momentum) * rv + momentum * unbiased
    else:
        if slip == "eval_std_no_eps":
            inv_std = 1.0 / np.sqrt(rv)
        else:
            inv_std = 1.0 / np.sqrt(rv + eps)
        x_hat = (x - rm) * inv_std
        new["running_mean"], new["running_var"] = rm, rv
    out = gamma * x_hat + beta
    return out, {"x_hat": x_hat, "gamma": np.array(gamma, dtype=np.float64), "inv_std": inv_std,
                 "training": bool(training)}, new


def _bn_variant(exercise, slip):
    def batchnorm_forward(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
        return _bn(x, gamma, beta, state, training, momentum, eps, slip)
    batchnorm_forward.__qualname__ = f"bn_{slip}"
    VARIANTS.append((exercise, batchnorm_forward))


for _slip in ("unbiased_norm", "std_not_var"):
    _bn_variant("batchnorm_forward", _slip)
for _slip in ("momentum_reversed", "running_not_updated", "running_var_biased", "no_momentum", "var_starts_zero",
              "eval_std_no_eps"):
    _bn_variant("batchnorm_forward[eval]", _slip)


def _bnb(dout, cache, slip):
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    if slip == "dgamma_mean":
        dgamma = (dout * x_hat).mean(axis=0)
    if slip == "dbeta_mean":
        dbeta = dout.mean(axis=0)
    dxh = dout * gamma
    if not cache["training"]:
        return dxh * inv_std, dgamma, dbeta
    if slip == "sum_not_mean":
        dx = inv_std * (dxh - dxh.sum(axis=0) - x_hat * (dxh * x_hat).sum(axis=0))
    elif slip == "n_minus_one":
        dx = inv_std / (n - 1) * ((n - 1) * dxh - dxh.sum(axis=0) - x_hat * (dxh * x_hat).sum(axis=0))
    elif slip == "var_term_sign":
        dx = inv_std / n * (n * dxh - dxh.sum(axis=0) + x_hat * (dxh * x_hat).sum(axis=0))
    elif slip == "no_mean_term":
        dx = inv_std / n * (n * dxh - x_hat * (dxh * x_hat).sum(axis=0))
    else:
        dx = inv_std / n * (n * dxh - dxh.sum(axis=0) - x_hat * (dxh * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def _bnb_variant(slip):
    def batchnorm_backward(dout, cache):
        return _bnb(np.asarray(dout, dtype=np.float64), cache, slip)
    batchnorm_backward.__qualname__ = f"bnb_{slip}"
    VARIANTS.append(("batchnorm_backward", batchnorm_backward))


for _slip in ("dgamma_mean", "dbeta_mean", "sum_not_mean", "n_minus_one", "var_term_sign", "no_mean_term"):
    _bnb_variant(_slip)


def fold_eps_outside(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = state.get("running_mean", np.zeros(m))
    var = state.get("running_var", np.ones(m))
    s = gamma / (np.sqrt(var) + eps)
    return W * s, (b - mean) * s + beta


def fold_rows_scaled(W, b, gamma, beta, state, *, eps=1e-5):
    m = np.shape(W)[1]
    mean = state.get("running_mean", np.zeros(m))
    var = state.get("running_var", np.ones(m))
    s = gamma / np.sqrt(var + eps)
    return W * s, b * s - mean + beta


VARIANTS += [("fold_batchnorm", fold_eps_outside), ("fold_batchnorm", fold_rows_scaled)]


def layernorm_unbiased(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=1, keepdims=True)
    inv = 1.0 / np.sqrt(x.var(axis=1, ddof=1, keepdims=True) + eps)
    xh = (x - mu) * inv
    return gamma * xh + beta, {"x_hat": xh, "gamma": np.array(gamma, dtype=np.float64), "inv_std": inv}


def layernorm_std_plus_eps(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=1, keepdims=True)
    inv = 1.0 / (x.std(axis=1, keepdims=True) + eps)
    xh = (x - mu) * inv
    return gamma * xh + beta, {"x_hat": xh, "gamma": np.array(gamma, dtype=np.float64), "inv_std": inv}


def layernorm_backward_batch_sums(dout, cache):
    """dgamma and dbeta summed per row (axis=1) instead of over the batch."""
    xh, gamma, inv = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    dxh = dout * gamma
    dx = inv / c * (c * dxh - dxh.sum(axis=1, keepdims=True) - xh * (dxh * xh).sum(axis=1, keepdims=True))
    return dx, (dout * xh).mean(axis=0), dout.mean(axis=0)


def layernorm_backward_var_sign(dout, cache):
    xh, gamma, inv = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    dxh = dout * gamma
    dx = inv / c * (c * dxh - dxh.sum(axis=1, keepdims=True) + xh * (dxh * xh).sum(axis=1, keepdims=True))
    return dx, (dout * xh).sum(axis=0), dout.sum(axis=0)


VARIANTS += [("layernorm_forward", layernorm_unbiased), ("layernorm_forward", layernorm_std_plus_eps),
             ("layernorm_backward", layernorm_backward_batch_sums), ("layernorm_backward", layernorm_backward_var_sign)]
