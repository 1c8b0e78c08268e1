"""Lesson 07 (batch normalization): cases and known mistakes.

Four graded exercises on five functions (the LayerNorm pair, at the end, shares one grade cell):

- ``batchnorm_forward``: training mode, the normalised output of several batches;
- ``batchnorm_forward[eval]``: the same function, its running statistics across training batches
  and its eval mode (the output with running statistics, and a state left unchanged);
- ``batchnorm_backward``: graded on the cache made by the ``batchnorm_forward`` written next to
  it (a layer's pair shares its cache format, whatever the student chose);
- ``fold_batchnorm``: merging an eval-mode BatchNorm into the linear layer before it.
- ``layernorm_forward`` and ``layernorm_backward``: layer normalization, the backward graded on the
  cache made by the ``layernorm_forward`` written next to it (one grade cell for the pair).

In the notebook the two forward entries share one solution cell and one grade cell,
``grade("batchnorm_forward", f) + grade("batchnorm_forward[eval]", f)``; their first mistake is the
same function, so a planted mistake is named by both.
"""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.batchnorm import batchnorm_backward, batchnorm_forward, fold_batchnorm

LESSON = "07_batchnorm"


def _forbidden():
    import torch
    import torch.nn.functional as F
    return [F.batch_norm, torch.batch_norm, torch.autograd.grad, torch.autograd.backward]


# --- a parametrised wrong implementation (never the reference) -----------------------------

def _bn(x, gamma, beta, state, training, momentum, eps, *, norm_with_running=False, unbiased_norm=False,
        eps_outside=False, swap_affine=False, biased_running=False,
        momentum_reversed=False, eval_updates=False, eval_batch_stats=False, var_starts_zero=False):
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape
    rm = np.array(state.get("running_mean", np.zeros(c)), dtype=np.float64)
    rv = np.array(state.get("running_var", np.zeros(c) if var_starts_zero else np.ones(c)), dtype=np.float64)
    mean = x.mean(axis=0, keepdims=True)
    var_b = x.var(axis=0, keepdims=True)
    var_u = x.var(axis=0, ddof=1, keepdims=True)
    if training or eval_batch_stats:
        use_mean, use_var = (rm, rv) if norm_with_running else (mean, var_u if unbiased_norm else var_b)
    else:
        use_mean, use_var = rm, rv
    std = np.sqrt(use_var) + eps if eps_outside else np.sqrt(use_var + eps)
    x_hat = (x - use_mean) / std
    out = beta * x_hat + gamma if swap_affine else gamma * x_hat + beta
    new = dict(state)
    if training or eval_updates:
        bm, bv = x.mean(axis=0), x.var(axis=0, ddof=0 if biased_running else 1)
        if momentum_reversed:
            rm, rv = momentum * rm + (1 - momentum) * bm, momentum * rv + (1 - momentum) * bv
        else:
            rm, rv = (1 - momentum) * rm + momentum * bm, (1 - momentum) * rv + momentum * bv
    new["running_mean"], new["running_var"] = rm, rv
    cache = {"x_hat": x_hat, "gamma": np.asarray(gamma, dtype=np.float64), "inv_std": 1.0 / std,
             "training": bool(training)}
    return out, cache, new


def _bn_wrong_axis(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    """Normalises each sample over its features (axis=1) instead of each feature over the batch."""
    out, cache, new = _bn(x, gamma, beta, state, training, momentum, eps)
    if training:
        x = np.asarray(x, dtype=np.float64)
        x_hat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + eps)
        out = gamma * x_hat + beta
    return out, cache, new


def _bn_one_pass_variance(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    """var = E[x^2] - E[x]^2: cancels catastrophically when |mean| >> std."""
    out, cache, new = _bn(x, gamma, beta, state, training, momentum, eps)
    if training:
        x = np.asarray(x, dtype=np.float64)
        mean = x.mean(axis=0)
        var = (x ** 2).mean(axis=0) - mean ** 2
        out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return out, cache, new


def _bn_running_in_training(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, norm_with_running=True)


def _bn_unbiased_norm(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, unbiased_norm=True)


def _bn_eps_outside(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, eps_outside=True)


def _bn_swap_affine(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, swap_affine=True)


def _bn_biased_running(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, biased_running=True)


def _bn_momentum_reversed(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, momentum_reversed=True)


def _bn_eval_updates(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, eval_updates=True)


def _bn_eval_batch_stats(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, eval_batch_stats=True)


def _bn_var_starts_zero(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    return _bn(x, gamma, beta, state, training, momentum, eps, var_starts_zero=True)


WRONG_AXIS = ("the statistics are per feature, over the batch: mean and var along axis=0 (one value per "
              "column), not along axis=1")
EPS_OUTSIDE = "eps goes inside the square root: (x - mean) / sqrt(var + eps), in both modes"


# --- running several batches through a student's function ----------------------------------

def _call(fn, x, gamma, beta, state, training, hyper, where):
    result = fn(x, gamma, beta, state, training=training, **hyper)
    if not isinstance(result, tuple) or len(result) != 3:
        raise TypeError(f"{where}: batchnorm_forward must return a tuple (out, cache, state), "
                        f"got {type(result).__name__}")
    out, cache, new_state = result
    if not isinstance(new_state, dict):
        raise TypeError(f"{where}: the third value returned must be the state dict, "
                        f"got {type(new_state).__name__}")
    return out, new_state


def _stats(state, c):
    """The running statistics of a returned state; missing keys read as the start values 0 and 1."""
    mean = state.get("running_mean", np.zeros(c))
    var = state.get("running_var", np.ones(c))
    return mean, var


def run_training(fn, case):
    """args = (batches, gamma, beta, state): the batches go through in training mode, the state
    threaded from call to call. Result: {"out of batch k": out_k}."""
    batches, gamma, beta, state = case.args
    result = {}
    for k, x in enumerate(batches, 1):
        out, state = _call(fn, x, gamma, beta, state, True, case.kwargs, f"batch {k}")
        result[f"out of batch {k}"] = out
    return result


def run_running_stats(fn, case):
    """args = (calls, gamma, beta, state) with calls a list of (x, training). Result: the running
    statistics after every call and the output of every eval-mode call."""
    calls, gamma, beta, state = case.args
    result = {}
    for k, (x, training) in enumerate(calls, 1):
        mode = "train" if training else "eval"
        out, state = _call(fn, x, gamma, beta, state, training, case.kwargs, f"call {k} ({mode})")
        mean, var = _stats(state, np.shape(x)[1])
        if not training:
            result[f"call {k} ({mode}): out"] = out
        result[f"call {k} ({mode}): running_mean"] = mean
        result[f"call {k} ({mode}): running_var"] = var
    return result


def _forward_beside(fn):
    """The ``batchnorm_forward`` defined next to ``fn`` (the student's own), else the reference."""
    forward = getattr(fn, "__globals__", {}).get("batchnorm_forward")
    return forward if callable(forward) else batchnorm_forward


def run_backward(fn, case):
    """args = (dout, inputs) with inputs = {"x", "gamma", "beta"} and kwargs training, state, eps:
    the cache is what the batchnorm_forward written next to ``fn`` returns for those inputs;
    result (dx, dgamma, dbeta)."""
    dout, inputs = case.args
    kw = dict(case.kwargs)
    training = kw.pop("training", True)
    state = kw.pop("state", {})
    forward = _forward_beside(fn)
    try:
        _, cache, _ = forward(inputs["x"], inputs["gamma"], inputs["beta"], state, training=training, **kw)
    except Exception as exc:
        raise RuntimeError("batchnorm_backward is graded with the cache made by your batchnorm_forward, "
                           f"which raised {type(exc).__name__}: {exc}. Finish batchnorm_forward first.") from None
    grads = fn(dout, cache)
    if not isinstance(grads, tuple) or len(grads) != 3:
        raise TypeError(f"batchnorm_backward must return a tuple (dx, dgamma, dbeta), got {type(grads).__name__}")
    return grads


def _bw_case(label, x, gamma, beta, dout, **kw):
    call = "x, gamma, beta, {}" if kw.get("training", True) else "x, gamma, beta, state, training=False"
    return Case(f"{label}; cache = your batchnorm_forward({call})[1]",
                (dout, {"x": x, "gamma": gamma, "beta": beta}), kw)


# --- data ----------------------------------------------------------------------------------

def _affine(rng, c):
    return rng.normal(1.0, 0.5, size=c), rng.normal(0.0, 0.5, size=c)


def _batches(rng, k, n, c, loc=0.0, scale=1.0):
    return [rng.normal(loc, scale, size=(n, c)) for _ in range(k)]


def _state(rng, c):
    return {"running_mean": rng.normal(size=c), "running_var": rng.uniform(0.5, 2.0, size=c)}


# --- batchnorm_forward (training) ------------------------------------------------------------

def _train_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 6.0], [7.0, 0.0]])
        return [Case("x a (4, 2) batch, gamma=1, beta=0, state={}", ([x], np.ones(2), np.zeros(2), {})),
                Case("the same batch, gamma=(2, 0.5), beta=(1, -1), state={}",
                     ([x], np.array([2.0, 0.5]), np.array([1.0, -1.0]), {})),
                Case("x a (3, 1) batch, eps=0.1", ([np.array([[0.0], [1.0], [2.0]])], np.ones(1), np.zeros(1), {}),
                     {"eps": 0.1})]
    rng = np.random.default_rng(70)
    g, b = _affine(rng, 4)
    cases = [
        Case("3 batches (8, 4), mean 5, std 3, running state not zero", (_batches(rng, 3, 8, 4, 5.0, 3.0), g, b,
                                                                         _state(rng, 4))),
        Case("2 batches (16, 3), momentum=0.5, eps=1e-3, running state not zero",
             (_batches(rng, 2, 16, 3, -2.0, 0.5), *_affine(rng, 3), _state(rng, 3)), {"momentum": 0.5, "eps": 1e-3}),
        Case("batch of 2 samples (the smallest torch allows), eps=0.5",
             ([rng.normal(size=(2, 5))], *_affine(rng, 5), {}), {"eps": 0.5}),
        Case("a constant feature (variance 0): eps keeps it finite",
             ([np.column_stack([np.full(6, 3.0), rng.normal(size=6)])], *_affine(rng, 2), {})),
        Case("large values: x ~ 1e3 + N(0, 1e-2), eps=1e-8",
             ([1e3 + 1e-2 * rng.normal(size=(10, 3))], *_affine(rng, 3), _state(rng, 3)), {"eps": 1e-8}),
    ]
    for seed in (71, 72, 73):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(3, 20)), int(r.integers(1, 7))
        cases.append(Case(f"random: 2 batches ({n}, {c}), random gamma, beta and running state",
                          (_batches(r, 2, n, c, r.normal(), r.uniform(0.5, 4)), *_affine(r, c), _state(r, c)),
                          {"momentum": float(r.uniform(0.05, 0.9))}))
    return cases


register(Exercise(
    name="batchnorm_forward", lesson=LESSON, reference=batchnorm_forward, points=4,
    visible=lambda: _train_cases(False), hidden=lambda: _train_cases(True), run=run_training,
    forbidden=_forbidden(),
    mistakes=[
        Mistake("eps_outside_sqrt", EPS_OUTSIDE, _bn_eps_outside),
        Mistake("wrong_axis", WRONG_AXIS, _bn_wrong_axis),
        Mistake("running_stats_in_training", "in training mode normalise with the statistics of the batch, "
                "not the running ones (those are for eval mode)", _bn_running_in_training),
        Mistake("unbiased_normalisation", "the variance used to normalise is the biased one (divide by N, "
                "np.var's default); the unbiased one (N - 1) only goes into running_var", _bn_unbiased_norm),
        Mistake("swapped_affine", "gamma scales and beta shifts: out = gamma * x_hat + beta", _bn_swap_affine),
        Mistake("one_pass_variance", "var = mean(x**2) - mean(x)**2 loses most digits when the mean is large "
                "compared with the spread (1e3 vs 1e-2 here); compute mean((x - mean)**2), as np.var does",
                _bn_one_pass_variance),
    ]))


# --- batchnorm_forward[eval]: running statistics and eval mode --------------------------------

def _eval_cases(hidden):
    if not hidden:
        x1 = np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 6.0], [7.0, 0.0]])
        x2 = np.array([[0.5, 1.0], [-0.5, 3.0]])
        return [Case("one training batch from state={}, then eval on another batch",
                     ([(x1, True), (x2, False)], np.ones(2), np.zeros(2), {})),
                Case("eval straight from state={} (running mean 0, running var 1), gamma=2, beta=1",
                     ([(x2, False)], np.full(2, 2.0), np.ones(2), {})),
                Case("two training batches, momentum=0.5",
                     ([(x1, True), (x1[::-1] * 2.0, True)], np.ones(2), np.zeros(2), {}), {"momentum": 0.5})]
    rng = np.random.default_rng(80)
    cases = []
    g, b = _affine(rng, 3)
    calls = [(x, True) for x in _batches(rng, 4, 10, 3, 4.0, 2.0)] + [(rng.normal(4.0, 2.0, size=(5, 3)), False)]
    cases.append(Case("4 training batches (10, 3), mean 4, std 2, from state={}, then eval", (calls, g, b, {})))
    calls = [(x, True) for x in _batches(rng, 3, 6, 2, -1.0, 0.3)]
    calls += [(rng.normal(size=(4, 2)), False), (rng.normal(size=(3, 2)), False), (rng.normal(size=(6, 2)), True)]
    cases.append(Case("non-zero running state, momentum=0.3, eps=1e-3: train x3, eval x2, train",
                      (calls, *_affine(rng, 2), _state(rng, 2)), {"momentum": 0.3, "eps": 1e-3}))
    cases.append(Case("eval only, from a non-zero running state: nothing may change",
                      ([(rng.normal(size=(5, 4)), False), (rng.normal(size=(2, 4)), False)], *_affine(rng, 4),
                       _state(rng, 4))))
    cases.append(Case("momentum=1: the running statistics become the last batch's",
                      ([(rng.normal(2, 3, size=(7, 3)), True), (rng.normal(size=(3, 3)), False)], *_affine(rng, 3),
                       _state(rng, 3)), {"momentum": 1.0}))
    cases.append(Case("momentum=0: the running statistics never move",
                      ([(rng.normal(2, 3, size=(7, 3)), True), (rng.normal(size=(3, 3)), False)], *_affine(rng, 3),
                       _state(rng, 3)), {"momentum": 0.0}))
    cases.append(Case("batches of 2 samples (unbiased variance divides by 1), then eval",
                      ([(rng.normal(size=(2, 3)), True), (rng.normal(size=(2, 3)), True),
                        (rng.normal(size=(4, 3)), False)], *_affine(rng, 3), {})))
    for seed in (81, 82, 83):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(3, 16)), int(r.integers(1, 6))
        calls = [(x, True) for x in _batches(r, 5, n, c, r.normal(), r.uniform(0.5, 3))]
        calls.append((r.normal(size=(n, c)), False))
        cases.append(Case(f"random: 5 training batches ({n}, {c}), then eval, random momentum and state",
                          (calls, *_affine(r, c), _state(r, c)), {"momentum": float(r.uniform(0.05, 0.5))}))
    return cases


register(Exercise(
    name="batchnorm_forward[eval]", lesson=LESSON, reference=batchnorm_forward, points=4,
    visible=lambda: _eval_cases(False), hidden=lambda: _eval_cases(True), run=run_running_stats,
    forbidden=_forbidden(),
    mistakes=[
        Mistake("eps_outside_sqrt", EPS_OUTSIDE, _bn_eps_outside),
        Mistake("biased_running_var", "running_var averages the unbiased batch variance (divide by N - 1, "
                "np.var(x, axis=0, ddof=1)), as torch does; the biased one is only for normalising",
                _bn_biased_running),
        Mistake("momentum_reversed", "momentum is the weight of the new batch: running = (1 - momentum) * "
                "running + momentum * batch_statistic (torch's convention, the opposite of the optimizers' beta)",
                _bn_momentum_reversed),
        Mistake("eval_updates_state", "eval mode must leave the running statistics unchanged: update them "
                "in training mode only", _bn_eval_updates),
        Mistake("eval_batch_stats", "eval mode normalises with the running statistics, not the statistics "
                "of the batch it is given", _bn_eval_batch_stats),
        Mistake("var_starts_zero", "an empty state means running_mean = 0 and running_var = 1 "
                "(torch's start), not a running variance of 0", _bn_var_starts_zero),
    ]))


# --- batchnorm_backward -------------------------------------------------------------------

def _bw(dout, cache, *, constant_stats=False, no_var_term=False, dgamma_no_xhat=False, swap=False,
        no_gamma=False):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dgamma = dout.sum(axis=0) if dgamma_no_xhat else (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout if no_gamma else dout * gamma
    if constant_stats or not cache["training"]:
        dx = dx_hat * inv_std
    elif no_var_term:
        dx = inv_std * (dx_hat - dx_hat.mean(axis=0))
    else:
        dx = inv_std / n * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return (dx, dbeta, dgamma) if swap else (dx, dgamma, dbeta)


def _bw_constant_stats(dout, cache):
    return _bw(dout, cache, constant_stats=True)


def _bw_no_var_term(dout, cache):
    return _bw(dout, cache, no_var_term=True)


def _bw_dgamma_no_xhat(dout, cache):
    return _bw(dout, cache, dgamma_no_xhat=True)


def _bw_swapped(dout, cache):
    return _bw(dout, cache, swap=True)


def _bw_no_gamma(dout, cache):
    return _bw(dout, cache, no_gamma=True)


def _bw_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 6.0], [7.0, 0.0]])
        dout = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [0.5, -0.5]])
        return [_bw_case("x a (4, 2) batch, gamma=1, beta=0", x, np.ones(2), np.zeros(2), dout),
                _bw_case("the same, gamma=(2, -0.5), beta=(1, 3)", x, np.array([2.0, -0.5]), np.array([1.0, 3.0]), dout),
                _bw_case("dout = 1 everywhere: dx is 0 (a constant shift is normalised away)",
                         x, np.array([1.5, 0.7]), np.zeros(2), np.ones((4, 2)))]
    rng = np.random.default_rng(90)
    cases = [
        _bw_case("(16, 5) batch, mean 3, std 2, eps=1e-3", rng.normal(3, 2, size=(16, 5)), *_affine(rng, 5),
                 rng.normal(size=(16, 5)), eps=1e-3),
        _bw_case("batch of 2 samples", rng.normal(size=(2, 3)), *_affine(rng, 3), rng.normal(size=(2, 3))),
        _bw_case("a constant feature (variance 0): eps keeps it finite",
                 np.column_stack([np.full(5, -1.0), rng.normal(size=5)]), *_affine(rng, 2), rng.normal(size=(5, 2))),
        _bw_case("eval mode from a non-zero running state: the statistics are constants",
                 rng.normal(size=(6, 3)), *_affine(rng, 3), rng.normal(size=(6, 3)), training=False,
                 state=_state(rng, 3)),
        _bw_case("large dout (1e3) on a (8, 2) batch", rng.normal(size=(8, 2)), *_affine(rng, 2),
                 1e3 * rng.normal(size=(8, 2))),
    ]
    for seed in (91, 92, 93, 94):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(3, 24)), int(r.integers(1, 7))
        cases.append(_bw_case(f"random ({n}, {c}) batch, random gamma, beta and dout",
                              r.normal(r.normal(), r.uniform(0.5, 3), size=(n, c)), *_affine(r, c),
                              r.normal(size=(n, c)), eps=float(10.0 ** r.uniform(-6, -2))))
    return cases


register(Exercise(
    name="batchnorm_backward", lesson=LESSON, reference=batchnorm_backward, points=5,
    visible=lambda: _bw_cases(False), hidden=lambda: _bw_cases(True), run=run_backward,
    forbidden=_forbidden(),
    mistakes=[
        Mistake("constant_statistics", "dx treats the batch mean and variance as constants (dout * gamma / std); "
                "in training they depend on x, which adds the terms -sum(dx_hat) and -x_hat * sum(dx_hat * x_hat)",
                _bw_constant_stats),
        Mistake("missing_variance_term", "dx misses the path through the variance: "
                "the term - x_hat * sum(dx_hat * x_hat) / N", _bw_no_var_term),
        Mistake("dgamma_without_xhat", "dgamma = sum over the batch of dout * x_hat (gamma multiplies x_hat)",
                _bw_dgamma_no_xhat),
        Mistake("swapped_dgamma_dbeta", "return (dx, dgamma, dbeta) in that order", _bw_swapped),
        Mistake("missing_gamma", "the gradient reaching x_hat is dout * gamma: gamma is missing in dx",
                _bw_no_gamma),
    ]))


# --- fold_batchnorm -------------------------------------------------------------------------

def _fold_forbidden():
    from torch.nn.utils import fusion
    return [fusion.fuse_linear_bn_eval, fusion.fuse_linear_bn_weights]


def _fold_cases(hidden):
    if not hidden:
        W = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
        b = np.array([0.5, 1.0, -1.0])
        st = {"running_mean": np.array([1.0, -1.0, 0.0]), "running_var": np.array([4.0, 0.25, 1.0])}
        return [Case("W (2, 3), gamma=1, beta=0, running mean (1, -1, 0), var (4, 0.25, 1)",
                     (W, b, np.ones(3), np.zeros(3), st)),
                Case("the same with gamma=(2, 1, -1), beta=(0, 1, 2), eps=0.1",
                     (W, b, np.array([2.0, 1.0, -1.0]), np.array([0.0, 1.0, 2.0]), st), {"eps": 0.1})]
    rng = np.random.default_rng(95)
    cases = [Case("state={} (mean 0, var 1), W (4, 2)", (rng.normal(size=(4, 2)), rng.normal(size=2),
                                                           *_affine(rng, 2), {})),
             Case("W (3, 3) square, non-zero running state, eps=1e-3",
                  (rng.normal(size=(3, 3)), rng.normal(size=3), *_affine(rng, 3), _state(rng, 3)), {"eps": 1e-3}),
             Case("a running variance of 0 for one feature, eps=0.5",
                  (rng.normal(size=(2, 3)), rng.normal(size=3), *_affine(rng, 3),
                   {"running_mean": rng.normal(size=3), "running_var": np.array([0.0, 1.0, 2.0])}), {"eps": 0.5})]
    for seed in (96, 97, 98):
        r = np.random.default_rng(seed)
        d, m = int(r.integers(1, 8)), int(r.integers(1, 8))
        cases.append(Case(f"random W ({d}, {m}), random running state",
                          (r.normal(size=(d, m)), r.normal(size=m), *_affine(r, m), _state(r, m)),
                          {"eps": float(10.0 ** r.uniform(-5, -1))}))
    return cases


def _fold_parts(W, b, gamma, beta, state, eps):
    W = np.asarray(W, dtype=np.float64)
    m = W.shape[1]
    mean = np.asarray(state.get("running_mean", np.zeros(m)), dtype=np.float64)
    var = np.asarray(state.get("running_var", np.ones(m)), dtype=np.float64)
    return W, np.asarray(b, dtype=np.float64), mean, var


def _fold_no_eps(W, b, gamma, beta, state, *, eps=1e-5):
    W, b, mean, var = _fold_parts(W, b, gamma, beta, state, eps)
    s = gamma / np.sqrt(var)
    return W * s, (b - mean) * s + beta


def _fold_var_not_std(W, b, gamma, beta, state, *, eps=1e-5):
    W, b, mean, var = _fold_parts(W, b, gamma, beta, state, eps)
    s = gamma / (var + eps)
    return W * s, (b - mean) * s + beta


def _fold_mean_not_scaled(W, b, gamma, beta, state, *, eps=1e-5):
    W, b, mean, var = _fold_parts(W, b, gamma, beta, state, eps)
    s = gamma / np.sqrt(var + eps)
    return W * s, b * s - mean + beta


def _fold_bias_unchanged(W, b, gamma, beta, state, *, eps=1e-5):
    W, b, mean, var = _fold_parts(W, b, gamma, beta, state, eps)
    s = gamma / np.sqrt(var + eps)
    return W * s, b - mean * s + beta


register(Exercise(
    name="fold_batchnorm", lesson=LESSON, reference=fold_batchnorm, points=3,
    visible=lambda: _fold_cases(False), hidden=lambda: _fold_cases(True), forbidden=_fold_forbidden(),
    mistakes=[
        Mistake("no_eps", "eval mode divides by sqrt(running_var + eps): eps is missing", _fold_no_eps),
        Mistake("variance_not_std", "the scale is gamma / sqrt(running_var + eps), the standard deviation, "
                "not the variance", _fold_var_not_std),
        Mistake("mean_not_scaled", "the running mean is subtracted before scaling: b_f = (b - running_mean) * s "
                "+ beta", _fold_mean_not_scaled),
        Mistake("bias_not_scaled", "the bias goes through the normalisation too: b_f = (b - running_mean) * s "
                "+ beta, not b - running_mean * s + beta", _fold_bias_unchanged),
    ]))


# --- layernorm_forward / layernorm_backward ------------------------------------------
#
# In the notebook the pair shares one solution cell and one grade cell,
# ``grade("layernorm_forward", layernorm_forward) + grade("layernorm_backward", layernorm_backward)``
# (the spec counts a forward/backward pair as one graded exercise). The forward is graded on ``out``
# only; the backward on the cache made by the ``layernorm_forward`` written next to it.

from coursegrader.reference.layernorm import layernorm_backward, layernorm_forward  # noqa: E402 (appended block)


def _ln_forbidden():
    import torch
    import torch.nn.functional as F
    return [F.layer_norm, torch.layer_norm, torch.nn.LayerNorm.forward, torch.autograd.grad,
            torch.autograd.backward]


def run_layernorm_forward(fn, case):
    """Call a layernorm_forward and keep ``out``: it must return the pair ``(out, cache)``."""
    result = fn(*case.args, **case.kwargs)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"layernorm_forward returns the pair (out, cache), got {type(result).__name__}"
                        + (f" of {len(result)} items" if isinstance(result, tuple) else ""))
    return result[0]


def run_layernorm_backward(fn, case):
    """args = (dout, inputs) with inputs = {"x", "gamma", "beta"}, kwargs eps: the cache is what the
    layernorm_forward written next to ``fn`` (else the reference) returns; result (dx, dgamma, dbeta)."""
    dout, inputs = case.args
    forward = getattr(fn, "__globals__", {}).get("layernorm_forward")
    forward = forward if callable(forward) else layernorm_forward
    try:
        _, cache = forward(inputs["x"], inputs["gamma"], inputs["beta"], **case.kwargs)
    except Exception as exc:
        raise RuntimeError("layernorm_backward is graded with the cache made by your layernorm_forward, "
                           f"which raised {type(exc).__name__}: {exc}. Finish layernorm_forward first.") from None
    grads = fn(dout, cache)
    if not isinstance(grads, tuple) or len(grads) != 3:
        raise TypeError(f"layernorm_backward must return a tuple (dx, dgamma, dbeta), got {type(grads).__name__}")
    return grads


def _lnf_case(label, x, gamma, beta, **kw):
    return Case(label, (x, gamma, beta), kw)


def _lnb_case(label, x, gamma, beta, dout, **kw):
    return Case(f"{label}; cache = your layernorm_forward(x, gamma, beta)[1]",
                (dout, {"x": x, "gamma": gamma, "beta": beta}), kw)


def _lnf_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0, 3.0, 6.0], [-2.0, 0.0, 4.0, 2.0]])
        return [_lnf_case("x a (2, 4) batch, gamma=1, beta=0", x, np.ones(4), np.zeros(4)),
                _lnf_case("the same, gamma=(2, 1, 0.5, -1), beta=(0, 1, -1, 3)", x, np.array([2.0, 1.0, 0.5, -1.0]),
                          np.array([0.0, 1.0, -1.0, 3.0])),
                _lnf_case("x a (3, 3) batch, eps=0.1", np.array([[0.0, 1.0, 2.0], [5.0, 5.0, 8.0], [1.0, -1.0, 0.0]]),
                          np.ones(3), np.zeros(3), eps=0.1)]
    rng = np.random.default_rng(700)
    cases = [
        _lnf_case("(8, 5) batch, mean 5, std 3", rng.normal(5.0, 3.0, size=(8, 5)), *_affine(rng, 5)),
        _lnf_case("one sample (1, 6): LayerNorm needs no batch", rng.normal(2.0, 1.0, size=(1, 6)), *_affine(rng, 6)),
        _lnf_case("(4, 4) batch, each row on its own scale, eps=0.5",
                  rng.normal(size=(4, 4)) * np.array([[0.1], [1.0], [10.0], [100.0]]), *_affine(rng, 4), eps=0.5),
        _lnf_case("a constant row (variance 0): eps keeps it finite",
                  np.vstack([np.full(5, 3.0), rng.normal(size=5), rng.normal(size=5)]), *_affine(rng, 5)),
        _lnf_case("large values: x ~ 1e3 + N(0, 1e-2), eps=1e-8", 1e3 + 1e-2 * rng.normal(size=(6, 4)),
                  *_affine(rng, 4), eps=1e-8),
        _lnf_case("C=1: every x_hat is 0, out = beta", rng.normal(size=(5, 1)), *_affine(rng, 1)),
    ]
    for seed in (701, 702, 703):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(2, 16)), int(r.integers(2, 9))
        cases.append(_lnf_case(f"random ({n}, {c}) batch, random gamma, beta, eps",
                               r.normal(r.normal(), r.uniform(0.5, 4), size=(n, c)), *_affine(r, c),
                               eps=float(10.0 ** r.uniform(-6, -2))))
    return cases


def _ln(x, gamma, beta, eps, *, axis=1, ddof=0, eps_outside=False, swap_affine=False, one_pass=False):
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=axis, keepdims=True)
    if one_pass:
        var = (x ** 2).mean(axis=axis, keepdims=True) - mean ** 2
    else:
        var = x.var(axis=axis, ddof=ddof, keepdims=True)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    x_hat = (x - mean) / std
    out = beta * x_hat + gamma if swap_affine else gamma * x_hat + beta
    return out, {"x_hat": x_hat, "gamma": np.asarray(gamma, dtype=np.float64), "inv_std": 1.0 / std}


def _lnf_batch_axis(x, gamma, beta, *, eps=1e-5):
    return _ln(x, gamma, beta, eps, axis=0)


def _lnf_whole_array(x, gamma, beta, *, eps=1e-5):
    return _ln(x, gamma, beta, eps, axis=None)


def _lnf_unbiased(x, gamma, beta, *, eps=1e-5):
    return _ln(x, gamma, beta, eps, ddof=1)


def _lnf_eps_outside(x, gamma, beta, *, eps=1e-5):
    return _ln(x, gamma, beta, eps, eps_outside=True)


def _lnf_swapped(x, gamma, beta, *, eps=1e-5):
    return _ln(x, gamma, beta, eps, swap_affine=True)


def _lnf_one_pass(x, gamma, beta, *, eps=1e-5):
    return _ln(x, gamma, beta, eps, one_pass=True)


register(Exercise(
    name="layernorm_forward", lesson=LESSON, reference=layernorm_forward, points=3,
    visible=lambda: _lnf_cases(False), hidden=lambda: _lnf_cases(True), run=run_layernorm_forward,
    forbidden=_ln_forbidden(),
    mistakes=[
        Mistake("batch_axis", "LayerNorm normalises each sample over its features: mean and var along axis=1 "
                "(one value per row, keepdims=True); along axis=0 it is BatchNorm", _lnf_batch_axis),
        Mistake("whole_array", "the statistics are per sample (per row, axis=1), not one mean and variance of "
                "the whole array", _lnf_whole_array),
        Mistake("unbiased_variance", "the variance is the biased one (divide by C, np.var's default ddof=0), "
                "as torch.nn.LayerNorm", _lnf_unbiased),
        Mistake("eps_outside_sqrt", "eps goes inside the square root: (x - mean) / sqrt(var + eps)",
                _lnf_eps_outside),
        Mistake("swapped_affine", "gamma scales and beta shifts: out = gamma * x_hat + beta", _lnf_swapped),
        Mistake("one_pass_variance", "var = mean(x**2) - mean(x)**2 loses most digits when the mean is large "
                "compared with the spread (1e3 vs 1e-2 here); compute mean((x - mean)**2), as np.var does",
                _lnf_one_pass),
    ]))


def _lnb_cases(hidden):
    if not hidden:
        x = np.array([[1.0, 2.0, 3.0, 6.0], [-2.0, 0.0, 4.0, 2.0]])
        dout = np.array([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 1.0, -0.5]])
        return [_lnb_case("x a (2, 4) batch, gamma=1, beta=0", x, np.ones(4), np.zeros(4), dout),
                _lnb_case("the same, gamma=(2, 1, 0.5, -1), beta=(0, 1, -1, 3)", x, np.array([2.0, 1.0, 0.5, -1.0]),
                          np.array([0.0, 1.0, -1.0, 3.0]), dout),
                _lnb_case("dout = 1 everywhere, gamma=1: dx is 0 (a constant shift of a row is normalised away)",
                          x, np.ones(4), np.zeros(4), np.ones((2, 4)))]
    rng = np.random.default_rng(710)
    cases = [
        _lnb_case("(6, 5) batch, mean 3, std 2, eps=1e-3", rng.normal(3, 2, size=(6, 5)), *_affine(rng, 5),
                  rng.normal(size=(6, 5)), eps=1e-3),
        _lnb_case("one sample (1, 4)", rng.normal(size=(1, 4)), *_affine(rng, 4), rng.normal(size=(1, 4))),
        _lnb_case("a constant row (variance 0): eps keeps it finite",
                  np.vstack([np.full(4, -1.0), rng.normal(size=4), rng.normal(size=4)]), *_affine(rng, 4),
                  rng.normal(size=(3, 4))),
        _lnb_case("large dout (1e3) on a (5, 3) batch, eps=0.5", rng.normal(size=(5, 3)), *_affine(rng, 3),
                  1e3 * rng.normal(size=(5, 3)), eps=0.5),
        _lnb_case("(3, 7) batch: more features than samples", rng.normal(size=(3, 7)), *_affine(rng, 7),
                  rng.normal(size=(3, 7))),
    ]
    for seed in (711, 712, 713, 714):
        r = np.random.default_rng(seed)
        n, c = int(r.integers(2, 16)), int(r.integers(2, 9))
        cases.append(_lnb_case(f"random ({n}, {c}) batch, random gamma, beta, dout and eps",
                               r.normal(r.normal(), r.uniform(0.5, 3), size=(n, c)), *_affine(r, c),
                               r.normal(size=(n, c)), eps=float(10.0 ** r.uniform(-6, -2))))
    return cases


def _lnb(dout, cache, *, constant_stats=False, no_var_term=False, batch_axis=False, dgamma_no_xhat=False,
         swap=False, no_gamma=False):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dgamma = dout.sum(axis=0) if dgamma_no_xhat else (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout if no_gamma else dout * gamma
    axis = 0 if batch_axis else 1
    m = dout.shape[axis]
    if constant_stats:
        dx = dx_hat * inv_std
    elif no_var_term:
        dx = inv_std * (dx_hat - dx_hat.mean(axis=axis, keepdims=True))
    else:
        dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=axis, keepdims=True)
                            - x_hat * (dx_hat * x_hat).sum(axis=axis, keepdims=True))
    return (dx, dbeta, dgamma) if swap else (dx, dgamma, dbeta)


def _lnb_constant_stats(dout, cache):
    return _lnb(dout, cache, constant_stats=True)


def _lnb_no_var_term(dout, cache):
    return _lnb(dout, cache, no_var_term=True)


def _lnb_batch_axis(dout, cache):
    return _lnb(dout, cache, batch_axis=True)


def _lnb_dgamma_no_xhat(dout, cache):
    return _lnb(dout, cache, dgamma_no_xhat=True)


def _lnb_swapped(dout, cache):
    return _lnb(dout, cache, swap=True)


def _lnb_no_gamma(dout, cache):
    return _lnb(dout, cache, no_gamma=True)


register(Exercise(
    name="layernorm_backward", lesson=LESSON, reference=layernorm_backward, points=4,
    visible=lambda: _lnb_cases(False), hidden=lambda: _lnb_cases(True), run=run_layernorm_backward,
    forbidden=_ln_forbidden(),
    mistakes=[
        Mistake("batch_axis_sums", "BatchNorm's backward sums over the batch (axis=0); a LayerNorm row's mean "
                "and variance depend on that row only, so the sums in dx run over the features (axis=1, "
                "keepdims=True) and divide by C", _lnb_batch_axis),
        Mistake("constant_statistics", "dx treats each row's mean and variance as constants (dout * gamma / std); "
                "they depend on x, which adds -sum(dx_hat) and -x_hat * sum(dx_hat * x_hat) over the features",
                _lnb_constant_stats),
        Mistake("missing_variance_term", "dx misses the path through the variance: the term "
                "- x_hat * sum(dx_hat * x_hat) / C (sum over the features)", _lnb_no_var_term),
        Mistake("dgamma_without_xhat", "dgamma = sum over the batch of dout * x_hat (gamma multiplies x_hat)",
                _lnb_dgamma_no_xhat),
        Mistake("swapped_dgamma_dbeta", "return (dx, dgamma, dbeta) in that order", _lnb_swapped),
        Mistake("missing_gamma", "the gradient reaching x_hat is dout * gamma: gamma is missing in dx",
                _lnb_no_gamma),
    ]))


# --- more mistakes: the common slips (issue 15) ------------------------------------------------
# Appended to each exercise's list (the first mistake of every exercise stays the one the
# end-to-end test plants). Backward mistakes read the course's cache (x_hat, gamma, inv_std).

def _extend(name, mistakes):
    from coursegrader.grading import get_exercise
    ex = get_exercise(name)
    ex.mistakes = [*ex.mistakes, *mistakes]


def _bn2(x, gamma, beta, state, training, momentum, eps, slip):
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape
    rm = np.array(state.get("running_mean", np.zeros(c)), dtype=np.float64)
    rv = np.array(state.get("running_var", np.ones(c)), dtype=np.float64)
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
    else:
        mean, var = rm, rv
    if slip == "no_sqrt":
        inv_std = 1.0 / (var + eps)
    elif slip == "no_eps":
        with np.errstate(divide="ignore"):
            inv_std = 1.0 / np.sqrt(var)
    else:
        inv_std = 1.0 / np.sqrt(var + eps)
    with np.errstate(invalid="ignore"):
        x_hat = (x - mean) * inv_std
    new = dict(state)
    if training and slip != "running_not_updated":
        bm, bv = x.mean(axis=0), x.var(axis=0, ddof=1)
        if slip == "running_replaced":
            rm, rv = bm, bv
        else:
            rm, rv = (1 - momentum) * rm + momentum * bm, (1 - momentum) * rv + momentum * bv
    new["running_mean"], new["running_var"] = rm, rv
    cache = {"x_hat": x_hat, "gamma": np.asarray(gamma, dtype=np.float64), "inv_std": inv_std,
             "training": bool(training)}
    return gamma * x_hat + beta, cache, new


def _bn_slip(slip):
    def wrong(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
        return _bn2(x, gamma, beta, state, training, momentum, eps, slip)
    return wrong


_extend("batchnorm_forward", [
    Mistake("variance_not_std", "x_hat divides by the standard deviation sqrt(var + eps), not by the variance",
            _bn_slip("no_sqrt")),
])
_extend("batchnorm_forward[eval]", [
    Mistake("running_not_updated", "training mode updates the running statistics: running = (1 - momentum) * "
            "running + momentum * batch statistic", _bn_slip("running_not_updated")),
    Mistake("running_replaced", "the running statistics are a moving average, (1 - momentum) * running + "
            "momentum * batch; they are not replaced by the batch's", _bn_slip("running_replaced")),
    Mistake("eval_no_eps", "eval mode divides by sqrt(running_var + eps): eps is missing",
            _bn_slip("no_eps")),
])


def _bw2(dout, cache, slip):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    n = dout.shape[0]
    dgamma = (dout * x_hat).mean(axis=0) if slip == "params_averaged" else (dout * x_hat).sum(axis=0)
    dbeta = dout.mean(axis=0) if slip == "params_averaged" else dout.sum(axis=0)
    dx_hat = dout * gamma
    if not cache["training"]:
        return dx_hat * inv_std, dgamma, dbeta
    s1, s2 = dx_hat.sum(axis=0), (dx_hat * x_hat).sum(axis=0)
    if slip == "not_divided_by_n":
        dx = inv_std * (dx_hat - s1 - x_hat * s2)
    elif slip == "variance_term_sign":
        dx = inv_std / n * (n * dx_hat - s1 + x_hat * s2)
    elif slip == "missing_mean_term":
        dx = inv_std / n * (n * dx_hat - x_hat * s2)
    else:
        dx = inv_std / n * (n * dx_hat - s1 - x_hat * s2)
    return dx, dgamma, dbeta


def _bw_slip(slip):
    def wrong(dout, cache):
        return _bw2(dout, cache, slip)
    return wrong


_extend("batchnorm_backward", [
    Mistake("params_averaged", "dgamma and dbeta sum over the batch (each sample adds its share); "
            "they are not averaged", _bw_slip("params_averaged")),
    Mistake("sums_not_divided", "the mean and variance terms are divided by N: "
            "dx = inv_std / N * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))",
            _bw_slip("not_divided_by_n")),
    Mistake("variance_term_sign", "the variance term is subtracted: - x_hat * sum(dx_hat * x_hat) / N",
            _bw_slip("variance_term_sign")),
    Mistake("missing_mean_term", "dx misses the path through the mean: the term - sum(dx_hat) / N",
            _bw_slip("missing_mean_term")),
])


def _fold_eps_outside(W, b, gamma, beta, state, *, eps=1e-5):
    W, b, mean, var = _fold_parts(W, b, gamma, beta, state, eps)
    s = gamma / (np.sqrt(var) + eps)
    return W * s, (b - mean) * s + beta


_extend("fold_batchnorm", [
    Mistake("eps_outside_sqrt", "eps goes inside the square root: s = gamma / sqrt(running_var + eps)",
            _fold_eps_outside),
])


def _lnb_var_sign(dout, cache):
    dout = np.asarray(dout, dtype=np.float64)
    x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
    c = dout.shape[1]
    dx_hat = dout * gamma
    dx = inv_std / c * (c * dx_hat - dx_hat.sum(axis=1, keepdims=True)
                        + x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def _lnb_params_averaged(dout, cache):
    dx, dgamma, dbeta = _lnb(dout, cache)
    n = np.shape(dout)[0]
    return dx, dgamma / n, dbeta / n


def _lnf_no_sqrt(x, gamma, beta, *, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=1, keepdims=True)
    inv = 1.0 / (x.var(axis=1, keepdims=True) + eps)
    return gamma * centred * inv + beta, {"x_hat": centred * inv, "gamma": np.asarray(gamma, dtype=np.float64),
                                          "inv_std": inv}


_extend("layernorm_forward", [
    Mistake("variance_not_std", "x_hat divides by the standard deviation sqrt(var + eps), not by the variance",
            _lnf_no_sqrt),
])
_extend("layernorm_backward", [
    Mistake("variance_term_sign", "the variance term is subtracted: - x_hat * sum(dx_hat * x_hat) / C",
            _lnb_var_sign),
    Mistake("params_averaged", "dgamma and dbeta sum over the batch; they are not averaged",
            _lnb_params_averaged),
])
