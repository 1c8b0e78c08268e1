"""Lesson 07 (batch normalization): its graded functions as a student's kernel sees them.

Six graded entries in four grade cells:

- ``batchnorm_forward``: training mode, the normalised output of several batches;
- ``batchnorm_forward[eval]``: the same function, its running statistics across training batches
  and its eval mode (the output with running statistics, and a state left unchanged);
- ``batchnorm_backward``: graded with the cache the ``batchnorm_forward`` written beside it makes
  (a layer's pair shares its cache format, whatever the student chose);
- ``fold_batchnorm``: merging an eval-mode BatchNorm into the linear layer before it;
- ``layernorm_forward`` and ``layernorm_backward``: layer normalization, the backward graded with the
  cache the ``layernorm_forward`` beside it makes.

In a student's kernel a backward whose forward is missing or broken cannot be checked yet: the
check says to finish the forward first (:func:`coursekit.check.runners.own_cache`).
"""
from __future__ import annotations

import numpy as np

from ..runners import own_cache
from ..task import Case, Task

LESSON = "07_batchnorm"


def bn_forbidden():
    """torch's batch norm and autograd: calling them is delegating the exercise."""
    import torch
    import torch.nn.functional as F
    return [F.batch_norm, torch.batch_norm, torch.autograd.grad, torch.autograd.backward]


def ln_forbidden():
    """torch's layer norm and autograd: calling them is delegating the exercise."""
    import torch
    import torch.nn.functional as F
    return [F.layer_norm, torch.layer_norm, torch.nn.LayerNorm.forward, torch.autograd.grad,
            torch.autograd.backward]


def fold_forbidden():
    """torch's own folding of a Linear and an eval-mode BatchNorm."""
    from torch.nn.utils import fusion
    return [fusion.fuse_linear_bn_eval, fusion.fuse_linear_bn_weights]


# --- running several batches through a student's batchnorm_forward ----------------------------

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


def run_backward(fn, case, reference_forward=None):
    """args = (dout, inputs) with inputs = {"x", "gamma", "beta"} and kwargs training, state, eps:
    the cache is what the batchnorm_forward written beside ``fn`` returns for those inputs (the
    grader falls back on its reference forward, a student's kernel has none); result
    (dx, dgamma, dbeta)."""
    dout, inputs = case.args
    kw = dict(case.kwargs)
    training = kw.pop("training", True)
    state = kw.pop("state", {})
    cache = own_cache(fn, "batchnorm_forward", reference_forward, inputs["x"], inputs["gamma"], inputs["beta"],
                      state, keywords={"training": training, **kw}, results=("out", "cache", "state"))
    grads = fn(dout, cache)
    if not isinstance(grads, tuple) or len(grads) != 3:
        raise TypeError(f"batchnorm_backward must return a tuple (dx, dgamma, dbeta), got {type(grads).__name__}")
    return grads


def bw_case(label, x, gamma, beta, dout, **kw):
    """A ``batchnorm_backward`` case: ``dout`` and the forward's inputs (``training``, ``state``,
    ``eps`` as keywords)."""
    call = "x, gamma, beta, {}" if kw.get("training", True) else "x, gamma, beta, state, training=False"
    return Case(f"{label}; cache = your batchnorm_forward({call})[1]",
                (dout, {"x": x, "gamma": gamma, "beta": beta}), kw)


# --- layernorm: the forward's output, the backward with its own forward's cache ---------------

def run_layernorm_forward(fn, case):
    """Call a layernorm_forward and keep ``out``: it must return the pair ``(out, cache)``."""
    result = fn(*case.args, **case.kwargs)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"layernorm_forward returns the pair (out, cache), got {type(result).__name__}"
                        + (f" of {len(result)} items" if isinstance(result, tuple) else ""))
    return result[0]


def run_layernorm_backward(fn, case, reference_forward=None):
    """args = (dout, inputs) with inputs = {"x", "gamma", "beta"}, kwargs eps: the cache is what the
    layernorm_forward written beside ``fn`` returns; result (dx, dgamma, dbeta)."""
    dout, inputs = case.args
    cache = own_cache(fn, "layernorm_forward", reference_forward, inputs["x"], inputs["gamma"], inputs["beta"],
                      keywords=dict(case.kwargs))
    grads = fn(dout, cache)
    if not isinstance(grads, tuple) or len(grads) != 3:
        raise TypeError(f"layernorm_backward must return a tuple (dx, dgamma, dbeta), got {type(grads).__name__}")
    return grads


def lnf_case(label, x, gamma, beta, **kw):
    return Case(label, (x, gamma, beta), kw)


def lnb_case(label, x, gamma, beta, dout, **kw):
    return Case(f"{label}; cache = your layernorm_forward(x, gamma, beta)[1]",
                (dout, {"x": x, "gamma": gamma, "beta": beta}), kw)


# --- the visible cases ------------------------------------------------------------------------

X4 = np.array([[1.0, 2.0], [3.0, -2.0], [5.0, 6.0], [7.0, 0.0]])
X2 = np.array([[0.5, 1.0], [-0.5, 3.0]])
STATE = {"running_mean": np.array([1.0, -2.0]), "running_var": np.array([4.0, 0.5])}


def _train_visible():
    return [Case("x a (4, 2) batch, gamma=1, beta=0, state={}", ([X4], np.ones(2), np.zeros(2), {})),
            Case("the same batch, gamma=(2, 0.5), beta=(1, -1), state={}",
                 ([X4], np.array([2.0, 0.5]), np.array([1.0, -1.0]), {})),
            Case("x a (3, 1) batch, eps=0.1", ([np.array([[0.0], [1.0], [2.0]])], np.ones(1), np.zeros(1), {}),
                 {"eps": 0.1}),
            Case("two batches from a running state mean (1, -2), var (4, 0.5), momentum=0.5: training mode "
                 "normalises with each batch's own statistics",
                 ([X4, X2], np.ones(2), np.zeros(2), STATE), {"momentum": 0.5}),
            Case("large values: x = 1000 + (0.01, -0.02, 0.03, 0), eps=1e-8: the mean is large against the spread",
                 ([1e3 + np.array([[0.01], [-0.02], [0.03], [0.0]])], np.ones(1), np.zeros(1), {}), {"eps": 1e-8})]


def _eval_visible():
    return [Case("one training batch from state={}, then eval on another batch",
                 ([(X4, True), (X2, False)], np.ones(2), np.zeros(2), {})),
            Case("eval straight from state={} (running mean 0, running var 1), gamma=2, beta=1",
                 ([(X2, False)], np.full(2, 2.0), np.ones(2), {})),
            Case("two training batches, momentum=0.5",
                 ([(X4, True), (X4[::-1] * 2.0, True)], np.ones(2), np.zeros(2), {}), {"momentum": 0.5}),
            Case("eval from a running state mean (1, -2), var (4, 0.5), eps=0.1: nothing may change",
                 ([(X2, False)], np.ones(2), np.zeros(2), STATE), {"eps": 0.1})]


DOUT4 = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [0.5, -0.5]])


def _bw_visible():
    return [bw_case("x a (4, 2) batch, gamma=1, beta=0", X4, np.ones(2), np.zeros(2), DOUT4),
            bw_case("the same, gamma=(2, -0.5), beta=(1, 3)", X4, np.array([2.0, -0.5]), np.array([1.0, 3.0]), DOUT4),
            bw_case("dout = 1 everywhere: dx is 0 (a constant shift is normalised away)",
                    X4, np.array([1.5, 0.7]), np.zeros(2), np.ones((4, 2))),
            bw_case("eval mode from a running state mean (1, -2), var (4, 0.5), eps=0.1: the statistics are "
                    "constants", X4, np.array([2.0, -0.5]), np.array([1.0, 3.0]), DOUT4, training=False,
                    state=STATE, eps=0.1)]


W23 = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
B3 = np.array([0.5, 1.0, -1.0])
FOLD_STATE = {"running_mean": np.array([1.0, -1.0, 0.0]), "running_var": np.array([4.0, 0.25, 1.0])}


def _fold_visible():
    return [Case("W (2, 3), gamma=1, beta=0, running mean (1, -1, 0), var (4, 0.25, 1)",
                 (W23, B3, np.ones(3), np.zeros(3), FOLD_STATE)),
            Case("the same with gamma=(2, 1, -1), beta=(0, 1, 2), eps=0.1",
                 (W23, B3, np.array([2.0, 1.0, -1.0]), np.array([0.0, 1.0, 2.0]), FOLD_STATE), {"eps": 0.1}),
            Case("state={} (running mean 0, running var 1), gamma=(2, 1, -1), beta=(0, 1, 2)",
                 (W23, B3, np.array([2.0, 1.0, -1.0]), np.array([0.0, 1.0, 2.0]), {}))]


XL = np.array([[1.0, 2.0, 3.0, 6.0], [-2.0, 0.0, 4.0, 2.0]])
GL, BL = np.array([2.0, 1.0, 0.5, -1.0]), np.array([0.0, 1.0, -1.0, 3.0])
DOUTL = np.array([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 1.0, -0.5]])


def _lnf_visible():
    return [lnf_case("x a (2, 4) batch, gamma=1, beta=0", XL, np.ones(4), np.zeros(4)),
            lnf_case("the same, gamma=(2, 1, 0.5, -1), beta=(0, 1, -1, 3)", XL, GL, BL),
            lnf_case("x a (3, 3) batch, eps=0.1", np.array([[0.0, 1.0, 2.0], [5.0, 5.0, 8.0], [1.0, -1.0, 0.0]]),
                     np.ones(3), np.zeros(3), eps=0.1),
            lnf_case("large values: one row 1000 + (0.01, -0.02, 0.03, 0), eps=1e-8: the mean is large against "
                     "the spread", 1e3 + np.array([[0.01, -0.02, 0.03, 0.0]]), np.ones(4), np.zeros(4), eps=1e-8)]


def _lnb_visible():
    return [lnb_case("x a (2, 4) batch, gamma=1, beta=0", XL, np.ones(4), np.zeros(4), DOUTL),
            lnb_case("the same, gamma=(2, 1, 0.5, -1), beta=(0, 1, -1, 3)", XL, GL, BL, DOUTL),
            lnb_case("dout = 1 everywhere, gamma=1: dx is 0 (a constant shift of a row is normalised away)",
                     XL, np.ones(4), np.zeros(4), np.ones((2, 4))),
            lnb_case("the same x, gamma=(2, 1, 0.5, -1), eps=0.5", XL, GL, BL, DOUTL, eps=0.5)]


BN_PARAMETERS = ("x", "gamma", "beta", "state", "training", "momentum", "eps")

BATCHNORM_FORWARD = Task(name="batchnorm_forward", lesson=LESSON, parameters=BN_PARAMETERS,
                         visible=_train_visible, run=run_training, forbidden=bn_forbidden())
BATCHNORM_FORWARD_EVAL = Task(name="batchnorm_forward[eval]", lesson=LESSON, parameters=BN_PARAMETERS,
                              visible=_eval_visible, run=run_running_stats, forbidden=bn_forbidden())
BATCHNORM_BACKWARD = Task(name="batchnorm_backward", lesson=LESSON, parameters=("dout", "cache"),
                          visible=_bw_visible, run=run_backward, forbidden=bn_forbidden())
FOLD_BATCHNORM = Task(name="fold_batchnorm", lesson=LESSON, parameters=("W", "b", "gamma", "beta", "state", "eps"),
                      visible=_fold_visible, forbidden=fold_forbidden())
LAYERNORM_FORWARD = Task(name="layernorm_forward", lesson=LESSON, parameters=("x", "gamma", "beta", "eps"),
                         visible=_lnf_visible, run=run_layernorm_forward, forbidden=ln_forbidden())
LAYERNORM_BACKWARD = Task(name="layernorm_backward", lesson=LESSON, parameters=("dout", "cache"),
                          visible=_lnb_visible, run=run_layernorm_backward, forbidden=ln_forbidden())

TASKS = [BATCHNORM_FORWARD, BATCHNORM_FORWARD_EVAL, BATCHNORM_BACKWARD, FOLD_BATCHNORM, LAYERNORM_FORWARD,
         LAYERNORM_BACKWARD]
