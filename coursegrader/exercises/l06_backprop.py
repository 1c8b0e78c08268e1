"""Lesson 06 (backpropagation): cases and known mistakes.

Forward functions are graded on their output only (the cache is a private contract between a
student's forward and backward); a backward function is graded with the cache its own forward
(the one beside it) makes on the case's inputs, so any cache layout works; the course's format,
stated in the task (``(x, W, b)`` for the linear layer, ``x`` for ReLU), when that forward is
missing or raises (:func:`coursekit.check.runners.own_cache`).
"""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.layers import (
    linear_backward,
    linear_forward,
    mse_forward_backward,
    relu_backward,
    relu_forward,
    softmax_cross_entropy,
)
from coursegrader.reference.nets import two_layer_net
from coursekit.check.runners import own_cache

LESSON = "06_backprop"


def _out_only(fn, case):
    """Call a ``*_forward`` and keep ``out``: it must return the pair ``(out, cache)``."""
    result = fn(*case.args, **case.kwargs)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"a forward function returns the pair (out, cache), got {type(result).__name__}")
    return result[0]


def _linear_pair(fn, case):
    """``linear_backward(dout, cache)`` with ``case.args = (dout, (x, W, b))``: the cache is what the
    student's own ``linear_forward(x, W, b)`` returns (the course's ``(x, W, b)`` without one)."""
    dout, (x, W, b) = case.args
    return fn(dout, own_cache(fn, "linear_forward", linear_forward, x, W, b))


def _relu_pair(fn, case):
    """``relu_backward(dout, cache)`` with ``case.args = (dout, x)``: the cache is what the
    student's own ``relu_forward(x)`` returns (the course's ``x`` without one)."""
    dout, x = case.args
    return fn(dout, own_cache(fn, "relu_forward", relu_forward, x))


def _rng(seed):
    return np.random.default_rng(seed)


# --- linear ----------------------------------------------------------------------------------

def _linear_args(seed, n, d, m):
    r = _rng(seed)
    return r.normal(size=(n, d)), r.normal(size=(d, m)), r.normal(size=m)


def _lf_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
        W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
        b = np.array([0.1, -0.2, 0.3])
        return [Case("x (3, 2), W (2, 3), b (3,)", (x, W, b)),
                Case("one sample: x (1, 4), W (4, 2), seeded", _linear_args(1, 1, 4, 2))]
    cases = [Case(f"random x ({n}, {d}), W ({d}, {m}), seed {s}", _linear_args(s, n, d, m))
             for s, (n, d, m) in enumerate([(5, 3, 2), (2, 6, 4), (7, 1, 3), (3, 4, 4)], start=60)]
    cases.append(Case("square W (3, 3), x (5, 3)", _linear_args(70, 5, 3, 3)))
    cases.append(Case("zero weights: out is b on every row", (np.ones((4, 2)), np.zeros((2, 3)), np.array([1.0, 2.0, 3.0]))))
    return cases


def _lf_no_bias(x, W, b):
    return x @ W, (x, W, b)


def _lf_W_transposed(x, W, b):
    return x @ W.T + b, (x, W, b)


def _lf_out_transposed(x, W, b):
    return W.T @ x.T + b[:, None], (x, W, b)


register(Exercise(
    name="linear_forward", lesson=LESSON, reference=linear_forward, points=1, run=_out_only,
    visible=lambda: _lf_cases(False), hidden=lambda: _lf_cases(True),
    mistakes=[
        Mistake("no_bias", "the bias b is missing: out = x @ W + b", _lf_no_bias),
        Mistake("W_transposed", "W is (D, M) and multiplies from the right: out = x @ W + b, not x @ W.T",
                _lf_W_transposed),
        Mistake("out_transposed", "out has one row per sample, shape (N, M): out = x @ W + b, not W.T @ x.T",
                _lf_out_transposed),
    ]))


def _lb_case(label, seed, n, d, m):
    x, W, b = _linear_args(seed, n, d, m)
    return Case(label, (_rng(seed + 1).normal(size=(n, m)), (x, W, b)))


def _lb_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
        W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
        b = np.array([0.1, -0.2, 0.3])
        return [Case("dout of ones (3, 3), x (3, 2), W (2, 3)", (np.ones((3, 3)), (x, W, b))),
                _lb_case("random dout (4, 2), x (4, 3), W (3, 2), seed 2", 2, 4, 3, 2)]
    cases = [_lb_case(f"random dout ({n}, {m}), x ({n}, {d}), W ({d}, {m}), seed {s}", s, n, d, m)
             for s, (n, d, m) in enumerate([(5, 3, 2), (2, 6, 4), (1, 3, 5), (8, 2, 3)], start=80)]
    cases.append(_lb_case("square W (4, 4), 6 samples", 90, 6, 4, 4))
    cases.append(Case("dout = 0: every gradient is 0", (np.zeros((3, 2)), _linear_args(91, 3, 4, 2))))
    return cases


def _lb_dW_transposed(dout, cache):
    x, W, b = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


def _lb_db_not_summed(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.copy()


def _lb_db_mean(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


def _lb_dx_no_transpose(dout, cache):
    x, W, b = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)


register(Exercise(
    name="linear_backward", lesson=LESSON, reference=linear_backward, points=3, run=_linear_pair,
    visible=lambda: _lb_cases(False), hidden=lambda: _lb_cases(True),
    mistakes=[
        Mistake("dW_transposed", "dW must have W's shape (D, M): dW = x.T @ dout, not dout.T @ x", _lb_dW_transposed),
        Mistake("db_not_summed", "b is added to every row, so its gradient sums dout over the batch: "
                "db = dout.sum(axis=0), shape (M,)", _lb_db_not_summed),
        Mistake("db_mean", "db sums dout over the batch (the loss already averaged); do not divide by N again",
                _lb_db_mean),
        Mistake("dx_no_transpose", "dx = dout @ W.T (shape (N, D)); dout @ W only fits when W is square",
                _lb_dx_no_transpose),
    ]))


# --- relu ------------------------------------------------------------------------------------

def _relu_x(seed, shape):
    x = _rng(seed).normal(size=shape)
    x.flat[::5] = 0.0  # exact zeros: relu'(0) matters
    return x


def _rf_cases(hidden):
    if not hidden:
        return [Case("x = (-2, -0.5, 0, 0.5, 2)", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
                Case("x (2, 3) with zeros", (np.array([[1.0, -1.0, 0.0], [-3.0, 2.0, 0.25]]),))]
    return [Case("random x (4, 5), some exact zeros", (_relu_x(100, (4, 5)),)),
            Case("random x (3, 2, 2)", (_relu_x(101, (3, 2, 2)),)),
            Case("all negative x (5,)", (-np.arange(1.0, 6.0),)),
            Case("large values +-1e300", (np.array([[1e300, -1e300], [0.0, 1.0]]),))]


def _rf_leaky(x):
    return np.where(x > 0, x, 0.01 * x), x


def _rf_reduction(x):
    return np.max(x, 0), x


def _rf_min(x):
    return np.minimum(x, 0.0), x


register(Exercise(
    name="relu_forward", lesson=LESSON, reference=relu_forward, points=1, run=_out_only,
    visible=lambda: _rf_cases(False), hidden=lambda: _rf_cases(True),
    mistakes=[
        Mistake("leaky", "negative inputs must give exactly 0 (this is a leaky ReLU)", _rf_leaky),
        Mistake("max_reduction", "np.max(x, 0) takes the maximum along axis 0; the elementwise maximum is "
                "np.maximum(x, 0)", _rf_reduction),
        Mistake("minimum", "ReLU keeps the positive part: np.maximum(x, 0), not np.minimum", _rf_min),
    ]))


def _rb_cases(hidden):
    if not hidden:
        x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
        return [Case("dout = (1, 2, 3, 4, 5), x = (-2, -0.5, 0, 0.5, 2)", (np.arange(1.0, 6.0), x)),
                Case("dout (2, 3), x (2, 3) with a 0", (np.array([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]]),
                                                        np.array([[1.0, -1.0, 0.0], [-3.0, 2.0, 0.25]])))]
    cases = []
    for s, shape in enumerate([(4, 5), (3, 2, 2), (10,)], start=110):
        cases.append(Case(f"random dout and x {shape}, some x exactly 0", (_rng(s).normal(size=shape), _relu_x(s + 1, shape))))
    cases.append(Case("x all zero: relu'(0) = 0 as in torch", (np.array([1.0, -2.0, 3.0]), np.zeros(3))))
    cases.append(Case("negative dout where x > 0: the mask is on x, not on dout",
                      (np.array([-1.0, -2.0, 3.0, -4.0]), np.array([1.0, 2.0, -3.0, 4.0]))))
    return cases


def _rb_one_at_zero(dout, cache):
    return dout * (cache >= 0)


def _rb_mask_only(dout, cache):
    return (cache > 0).astype(np.float64)


def _rb_mask_dout(dout, cache):
    return np.maximum(dout, 0.0)


register(Exercise(
    name="relu_backward", lesson=LESSON, reference=relu_backward, points=2, run=_relu_pair,
    visible=lambda: _rb_cases(False), hidden=lambda: _rb_cases(True),
    mistakes=[
        Mistake("relu_prime_zero_is_one", "relu'(0) is 0 in this course (torch's convention): use x > 0, not x >= 0",
                _rb_one_at_zero),
        Mistake("mask_only", "the chain rule multiplies the upstream gradient: dx = dout * (x > 0), not the mask alone",
                _rb_mask_only),
        Mistake("relu_of_dout", "the mask comes from the forward input x (the cache), not from dout: "
                "dx = dout * (x > 0), not max(dout, 0)", _rb_mask_dout),
    ]))


# --- mse ---------------------------------------------------------------------------------------

def _mse_cases(hidden):
    if not hidden:
        return [Case("pred = (1, 2, 3), y = (1, 0, 5)", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0]))),
                Case("pred (2, 2), y (2, 2)", (np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])))]
    r = _rng(120)
    return [Case("random pred, y (10,)", (r.normal(size=10), r.normal(size=10))),
            Case("random pred, y (4, 3): the mean is over all 12 elements", (r.normal(size=(4, 3)), r.normal(size=(4, 3)))),
            Case("one sample", (np.array([2.5]), np.array([-1.0]))),
            Case("pred == y: loss 0, gradient 0", (np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 3.0]))),
            Case("large values (1e6)", (1e6 * r.normal(size=5), 1e6 * r.normal(size=5)))]


def _mse_sum(pred, y):
    d = pred - y
    return float(np.sum(d ** 2)), 2 * d


def _mse_no_two(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), d / d.size


def _mse_grad_not_averaged(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), 2 * d


def _mse_half(pred, y):
    d = pred - y
    return float(0.5 * np.mean(d ** 2)), d / d.size


def _mse_sign(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), -2 * d / d.size


def _mse_per_row(pred, y):
    d = pred - y
    return float(np.mean(d ** 2)), 2 * d / len(d)


register(Exercise(
    name="mse_forward_backward", lesson=LESSON, reference=mse_forward_backward, points=2,
    visible=lambda: _mse_cases(False), hidden=lambda: _mse_cases(True),
    mistakes=[
        Mistake("not_averaged", "the loss is summed; torch's MSELoss averages: mean((pred - y)**2)", _mse_sum),
        Mistake("missing_two", "d/dpred of (pred - y)**2 is 2 (pred - y): the factor 2 is missing", _mse_no_two),
        Mistake("grad_not_averaged", "the loss is a mean, so its gradient is divided by the number of elements too: "
                "2 (pred - y) / pred.size", _mse_grad_not_averaged),
        Mistake("half_mse", "this is 0.5 * MSE (the seed article's loss); torch's MSELoss has no 0.5", _mse_half),
        Mistake("sign", "the gradient's sign is flipped: d/dpred of (pred - y)**2 is +2 (pred - y)", _mse_sign),
        Mistake("divided_by_rows", "the mean is over every element (pred.size), not over the rows only", _mse_per_row),
    ]))


# --- softmax cross-entropy ---------------------------------------------------------------------

def _ce_case(label, seed, n, c, scale=1.0):
    r = _rng(seed)
    return Case(label, (scale * r.normal(size=(n, c)), r.integers(0, c, size=n)))


def _ce_cases(hidden):
    if not hidden:
        return [Case("logits ((1, 2, 3), (1, 1, 1)), y = (2, 0)",
                     (np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), np.array([2, 0]))),
                Case("large logits ((1000, 0, -1000), (0, 1000, 999)), y = (1, 2): must not overflow",
                     (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]), np.array([1, 2])))]
    cases = [_ce_case(f"random logits ({n}, {c}), seed {s}", s, n, c) for s, (n, c) in
             enumerate([(5, 3), (1, 4), (8, 10), (3, 2)], start=130)]
    cases.append(_ce_case("logits of size 1e3, (6, 4): log(softmax) would be log(0)", 140, 6, 4, scale=1e3))
    shifted = _ce_case("logits around 800, gaps of a few units: exp(800) overflows", 141, 5, 3)
    shifted.args = (shifted.args[0] + 800.0, shifted.args[1])
    cases.append(shifted)
    cases.append(Case("logits all -1e3 (uniform softmax)", (np.full((2, 5), -1e3), np.array([0, 4]))))
    cases.append(Case("confident and right: loss near 0", (np.array([[50.0, 0.0], [0.0, 50.0]]), np.array([0, 1]))))
    return cases


def _ce(logits, y, *, stable=True, average=True, average_grad=True, sign=1.0, axis=1, log_of_softmax=False):
    n = logits.shape[0]
    z = logits - logits.max(axis=axis, keepdims=True) if stable else logits
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(z)
        p = e / e.sum(axis=axis, keepdims=True)
        if log_of_softmax:
            loss = -np.log(p[np.arange(n), y]).sum()
        else:
            logp = z - np.log(e.sum(axis=axis, keepdims=True))
            loss = -logp[np.arange(n), y].sum()
    onehot = np.zeros_like(p)
    onehot[np.arange(n), y] = 1.0
    grad = sign * (p - onehot)
    return float(loss / n if average else loss), grad / n if average_grad else grad


def _ce_unstable(logits, y):
    return _ce(logits, y, stable=False)


def _ce_log_of_softmax(logits, y):
    return _ce(logits, y, log_of_softmax=True)


def _ce_sum(logits, y):
    return _ce(logits, y, average=False, average_grad=False)


def _ce_grad_not_averaged(logits, y):
    return _ce(logits, y, average_grad=False)


def _ce_sign(logits, y):
    return _ce(logits, y, sign=-1.0)


def _ce_axis0(logits, y):
    return _ce(logits, y, axis=0)


register(Exercise(
    name="softmax_cross_entropy", lesson=LESSON, reference=softmax_cross_entropy, points=4,
    visible=lambda: _ce_cases(False), hidden=lambda: _ce_cases(True),
    mistakes=[
        Mistake("unstable", "exp overflows for logits around 1e3 (inf / inf = nan): subtract each row's maximum "
                "before exponentiating; softmax does not change", _ce_unstable),
        Mistake("log_of_softmax", "log(softmax) underflows: a class 1e3 below the best has probability "
                "exp(-1000) = 0 in float64 and log(0) = -inf. Compute log-probabilities directly: "
                "shifted - log(sum(exp(shifted)))", _ce_log_of_softmax),
        Mistake("not_averaged", "the loss and its gradient are summed over the batch; cross_entropy averages "
                "(divide both by N)", _ce_sum),
        Mistake("grad_not_averaged", "the loss is a mean over the batch, so dlogits = (softmax - onehot) / N",
                _ce_grad_not_averaged),
        Mistake("sign", "the gradient's sign is flipped: dlogits = (softmax - onehot) / N", _ce_sign),
        Mistake("softmax_axis0", "softmax normalises each row (over the classes, axis=1), not each column",
                _ce_axis0),
    ]))


# --- two-layer net -----------------------------------------------------------------------------

def _net_params(seed, d, h, c, scale=0.5):
    r = _rng(seed)
    return {"W1": scale * r.normal(size=(d, h)), "b1": 0.1 * r.normal(size=h),
            "W2": scale * r.normal(size=(h, c)), "b2": 0.1 * r.normal(size=c)}


def _net_case(label, seed, n, d, h, c, scale=0.5):
    r = _rng(seed + 1000)
    return Case(label, (_net_params(seed, d, h, c, scale), r.normal(size=(n, d)), r.integers(0, c, size=n)))


def _net_cases(hidden):
    if not hidden:
        return [_net_case("N=4, D=3, H=5, C=3, seed 0", 0, 4, 3, 5, 3),
                _net_case("N=1, D=2, H=4, C=2, seed 1", 1, 1, 2, 4, 2)]
    cases = [_net_case(f"random N={n}, D={d}, H={h}, C={c}, seed {s}", s, n, d, h, c)
             for s, (n, d, h, c) in enumerate([(6, 4, 8, 3), (10, 5, 3, 4), (2, 3, 6, 5)], start=150)]
    big = _net_case("b2 around 800: exp(scores) overflows unless the row maximum is subtracted", 160, 5, 4, 6, 3)
    big.args[0]["b2"] += 800.0
    cases.append(big)
    zero = _net_case("a sample of zeros and b1 with zeros: pre-activations exactly 0 (relu'(0) = 0)", 170, 4, 3, 6, 3)
    params, X, y = zero.args
    params["b1"][::2] = 0.0
    X[0] = 0.0
    cases.append(zero)
    return cases


def _net(params, X, y, *, relu_mask=True, average=True, dW2_pre=False, b_mean=False, zero_is_one=False):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    a = X @ W1 + b1
    h = np.maximum(a, 0.0)
    s = h @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -float(logp[np.arange(n), y].mean())
    ds = np.exp(logp)
    ds[np.arange(n), y] -= 1.0
    if average:
        ds = ds / n
    bsum = (lambda g: g.mean(axis=0)) if b_mean else (lambda g: g.sum(axis=0))
    dW2 = (a if dW2_pre else h).T @ ds
    db2 = bsum(ds)
    dh = ds @ W2.T
    if relu_mask:
        da = dh * ((a >= 0) if zero_is_one else (a > 0))
    else:
        da = dh
    return loss, {"W1": X.T @ da, "b1": bsum(da), "W2": dW2, "b2": db2}


def _net_no_mask(params, X, y):
    return _net(params, X, y, relu_mask=False)


def _net_not_averaged(params, X, y):
    return _net(params, X, y, average=False)


def _net_dW2_pre(params, X, y):
    return _net(params, X, y, dW2_pre=True)


def _net_b_mean(params, X, y):
    return _net(params, X, y, b_mean=True)


def _net_zero_one(params, X, y):
    return _net(params, X, y, zero_is_one=True)


register(Exercise(
    name="two_layer_net", lesson=LESSON, reference=two_layer_net, points=4,
    visible=lambda: _net_cases(False), hidden=lambda: _net_cases(True),
    mistakes=[
        Mistake("no_relu_mask", "the gradient goes back through the ReLU unchanged; multiply by (pre-activation > 0)",
                _net_no_mask),
        Mistake("grads_not_averaged", "the loss is a mean over the batch, so every gradient is divided by N "
                "(dscores = (softmax - onehot) / N)", _net_not_averaged),
        Mistake("dW2_uses_pre_activation", "dW2 = h.T @ dscores with h the ReLU *output*, not the pre-activation",
                _net_dW2_pre),
        Mistake("bias_grad_mean", "bias gradients sum the upstream gradient over the batch, they do not average it",
                _net_b_mean),
        Mistake("relu_prime_zero_is_one", "relu'(0) = 0 (torch's convention): mask with pre-activation > 0, not >= 0",
                _net_zero_one),
    ]))


# --- loss_along_line -----------------------------------------------------------------

from coursegrader.reference.landscape import loss_along_line  # noqa: E402
from coursekit.check.runners import BAD_INPUT, expect_value_error  # noqa: E402 (appended block)


class QuadraticLoss:
    """``sum(c * (theta - centre)**2) / 2``: a bowl with its bottom at ``centre``."""

    def __init__(self, centre, c):
        self.centre = np.asarray(centre, dtype=np.float64)
        self.c = np.asarray(c, dtype=np.float64)

    def __call__(self, theta):
        return 0.5 * float(np.sum(self.c * (theta - self.centre) ** 2))

    def __repr__(self):
        return f"QuadraticLoss(centre={self.centre.tolist()}, c={self.c.tolist()})"


class DoubleWell:
    """``sum((theta**2 - 1)**2)``: minima at every theta with entries +-1, a bump between them
    (returns a numpy float64, not a Python float)."""

    def __call__(self, theta):
        return np.sum((theta ** 2 - 1.0) ** 2)

    def __repr__(self):
        return "DoubleWell()"


class NetLoss:
    """The softmax cross-entropy of a ReLU two-layer net (D -> H -> C) on fixed data, as a function
    of its parameters flattened into one vector ``(W1, b1, W2, b2)``."""

    def __init__(self, X, y, h, c):
        self.X, self.y, self.h, self.c = X, y, h, c

    def size(self):
        d = self.X.shape[1]
        return d * self.h + self.h + self.h * self.c + self.c

    def __call__(self, theta):
        d, h, c = self.X.shape[1], self.h, self.c
        W1 = theta[:d * h].reshape(d, h)
        b1 = theta[d * h:d * h + h]
        W2 = theta[d * h + h:d * h + h + h * c].reshape(h, c)
        b2 = theta[d * h + h + h * c:]
        s = np.maximum(self.X @ W1 + b1, 0.0) @ W2 + b2
        s = s - s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return -float(logp[np.arange(len(self.y)), self.y].mean())

    def __repr__(self):
        return f"NetLoss(N={len(self.y)}, D={self.X.shape[1]}, H={self.h}, C={self.c})"


def _net_loss(seed, n, d, h, c):
    r = _rng(seed)
    loss = NetLoss(r.normal(size=(n, d)), r.integers(0, c, size=n), h, c)
    p = loss.size()
    return loss, 0.3 * r.normal(size=p), r.normal(size=p)


def _lal_cases(hidden):
    bowl = QuadraticLoss([1.0, -1.0], [1.0, 4.0])
    if not hidden:
        return [Case("bowl, theta0=(0, 0), theta1=(1, -1) (its bottom), alphas=(0, 0.5, 1)",
                     (bowl, np.zeros(2), np.array([1.0, -1.0]), np.array([0.0, 0.5, 1.0]))),
                Case("bowl, theta0=(2, 1), theta1=(0, -2), alphas=(-0.5, 0.25, 1.5)",
                     (bowl, np.array([2.0, 1.0]), np.array([0.0, -2.0]), np.array([-0.5, 0.25, 1.5]))),
                Case(f"{BAD_INPUT}: theta0 of shape (2, 2) must raise ValueError",
                     (bowl, np.zeros((2, 2)), np.ones((2, 2)), np.array([0.0, 1.0])))]
    net, init, trained = _net_loss(600, 12, 3, 5, 3)
    net2, init2, trained2 = _net_loss(601, 7, 2, 4, 2)
    r = _rng(602)
    return [
        Case(f"two-layer net {net!r}, from random init to other weights, 13 alphas in [-0.25, 1.25]",
             (net, init, trained, np.linspace(-0.25, 1.25, 13))),
        Case(f"two-layer net {net2!r}, alphas unsorted: (1, 0, 0.25, -1, 2)",
             (net2, init2, trained2, np.array([1.0, 0.0, 0.25, -1.0, 2.0]))),
        Case("double well in 3-D, theta0=(-1, 1, -1), theta1=(1, 1, 1): a bump between two minima",
             (DoubleWell(), np.array([-1.0, 1.0, -1.0]), np.array([1.0, 1.0, 1.0]), np.linspace(0.0, 1.0, 9))),
        Case("theta0 and theta1 given as lists of ints: (3, -2) and (1, 0), alphas a list (0.1, 0.7)",
             (bowl, [3, -2], [1, 0], [0.1, 0.7])),
        Case("one alpha, 0.3", (bowl, np.array([0.5, 0.5]), np.array([2.0, -3.0]), np.array([0.3]))),
        Case("theta0 = theta1: the loss is the same everywhere",
             (bowl, np.array([0.2, 0.4]), np.array([0.2, 0.4]), np.array([-1.0, 0.0, 3.0]))),
        Case("no alphas: an empty array", (bowl, np.array([2.0, 1.0]), np.array([0.0, -2.0]), np.array([]))),
        Case("random bowl in 20-D, theta0 away from 0, alphas far outside [0, 1]",
             (QuadraticLoss(r.normal(size=20), r.uniform(0.1, 5.0, size=20)), r.normal(size=20), r.normal(size=20),
              np.array([-3.0, -0.6, 0.45, 2.2, 5.0]))),
        Case(f"{BAD_INPUT}: theta0 of length 3, theta1 of length 2 must raise ValueError",
             (bowl, np.zeros(3), np.ones(2), np.array([0.0, 1.0]))),
        Case(f"{BAD_INPUT}: theta1 of shape (2, 1) must raise ValueError",
             (bowl, np.zeros(2), np.ones((2, 1)), np.array([0.5]))),
    ]


def _lal(loss_fn, theta0, theta1, alphas, point):
    theta0, theta1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    return np.array([float(loss_fn(point(theta0, theta1, a))) for a in alphas], dtype=np.float64)


def _lal_swapped(loss_fn, theta0, theta1, alphas):
    return _lal(loss_fn, theta0, theta1, alphas, lambda t0, t1, a: (1 - a) * t1 + a * t0)


def _lal_no_one_minus(loss_fn, theta0, theta1, alphas):
    return _lal(loss_fn, theta0, theta1, alphas, lambda t0, t1, a: t0 + a * t1)


def _lal_direction_reversed(loss_fn, theta0, theta1, alphas):
    return _lal(loss_fn, theta0, theta1, alphas, lambda t0, t1, a: t0 + a * (t0 - t1))


def _lal_through_origin(loss_fn, theta0, theta1, alphas):
    return _lal(loss_fn, theta0, theta1, alphas, lambda t0, t1, a: a * t1)


def _lal_alphas_ignored(loss_fn, theta0, theta1, alphas):
    grid = np.linspace(0.0, 1.0, len(alphas))
    return _lal(loss_fn, theta0, theta1, grid, lambda t0, t1, a: (1 - a) * t0 + a * t1)


register(Exercise(
    name="loss_along_line", lesson=LESSON, reference=loss_along_line, points=3,
    visible=lambda: _lal_cases(False), hidden=lambda: _lal_cases(True), run=expect_value_error(),
    mistakes=[
        Mistake("ends_swapped", "alpha = 0 is theta0 and alpha = 1 is theta1: the point is "
                "(1 - a) * theta0 + a * theta1, not (1 - a) * theta1 + a * theta0", _lal_swapped),
        Mistake("no_one_minus", "theta0 + a * theta1 is not on the line between them: use "
                "(1 - a) * theta0 + a * theta1 (= theta0 + a * (theta1 - theta0))", _lal_no_one_minus),
        Mistake("direction_reversed", "the direction from theta0 to theta1 is theta1 - theta0: "
                "theta0 + a * (theta1 - theta0)", _lal_direction_reversed),
        Mistake("through_origin", "a * theta1 is the line from the origin; the line starts at theta0: "
                "(1 - a) * theta0 + a * theta1", _lal_through_origin),
        Mistake("alphas_ignored", "the loss is wanted at the alphas given (in their order, possibly outside "
                "[0, 1]), not on a grid of your own", _lal_alphas_ignored),
    ]))


# --- more mistakes: the common slips (issue 15) ------------------------------------------------
# Appended to each exercise's list (the first mistake of every exercise stays the one the
# end-to-end test plants). Backward mistakes read the course's cache: ``(x, W, b)``, ``x``.

def _lf_minus_bias(x, W, b):
    return x @ W - b, (x, W, b)


def _lb_dW_averaged(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)


def _lb_all_averaged(dout, cache):
    x, W, b = cache
    n = x.shape[0]
    return dout @ W.T / n, x.T @ dout / n, dout.sum(axis=0) / n


def _lb_dx_sign(dout, cache):
    x, W, b = cache
    return -(dout @ W.T), x.T @ dout, dout.sum(axis=0)


def _rf_abs(x):
    return np.abs(x), x


def _rb_sign(dout, cache):
    return dout * np.sign(cache)


def _rb_times_x(dout, cache):
    return dout * np.maximum(cache, 0.0)


def _mse_rmse(pred, y):
    d = pred - y
    return float(np.sqrt(np.mean(d ** 2))), 2 * d / d.size


def _ce_mean_over_all(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    rows = np.arange(logits.shape[0])
    loss = -float(np.log(p[rows, y]).sum() / logits.size)
    p[rows, y] -= 1.0
    return loss, p / logits.size


def _ce_onehot_missing(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = logits.shape[0]
    return -float(np.log(p[np.arange(n), y]).mean()), p / n


def _extend(name, mistakes):
    from coursegrader.grading import get_exercise
    ex = get_exercise(name)
    ex.mistakes = [*ex.mistakes, *mistakes]


_DB_AVG = "the gradients of a layer sum over the batch (the loss already averaged): do not divide by N again"
_extend("linear_forward", [Mistake("bias_subtracted", "the bias is added: out = x @ W + b", _lf_minus_bias)])
_extend("linear_backward", [
    Mistake("dW_averaged", "dW = x.T @ dout sums over the batch; dividing by N averages twice: " + _DB_AVG,
            _lb_dW_averaged),
    Mistake("all_averaged", "dx, dW and db are divided by N: " + _DB_AVG, _lb_all_averaged),
    Mistake("dx_sign", "dx = dout @ W.T, with a plus sign: out grows with x @ W", _lb_dx_sign),
])
_extend("relu_forward", [Mistake("absolute_value", "ReLU is max(x, 0), not |x|: negative inputs give 0",
                                 _rf_abs)])
_extend("relu_backward", [
    Mistake("sign_mask", "the mask is (x > 0), 1 or 0; np.sign(x) gives -1 for negative x", _rb_sign),
    Mistake("times_relu", "relu'(x) is 1 where x > 0 and 0 elsewhere: dx = dout * (x > 0), not dout * relu(x)",
            _rb_times_x),
])
_extend("mse_forward_backward", [
    Mistake("root_mean_square", "MSE is the mean of the squares, with no square root", _mse_rmse),
])
_extend("softmax_cross_entropy", [
    Mistake("mean_over_every_entry", "the loss averages over the N samples only (each sample's loss sums over "
            "its classes): divide by N, not by N * C", _ce_mean_over_all),
    Mistake("onehot_not_subtracted", "dlogits = (softmax - onehot(y)) / N: the one-hot labels are not subtracted",
            _ce_onehot_missing),
])
