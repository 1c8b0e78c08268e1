"""Lesson 07: batchnorm_forward / batchnorm_backward against torch.nn.BatchNorm1d in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate
from coursegrader.reference.batchnorm import batchnorm_backward, batchnorm_forward

ATOL, RTOL = 1e-10, 1e-8


def _torch_bn(c, gamma, beta, momentum, eps):
    bn = torch.nn.BatchNorm1d(c, momentum=momentum, eps=eps).double()
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    return bn


@pytest.mark.parametrize("momentum, eps, n, c", [(0.1, 1e-5, 8, 3), (0.5, 1e-3, 2, 4), (0.03, 1e-2, 32, 1)])
def test_training_then_eval_matches_torch_over_several_batches(momentum, eps, n, c):
    rng = np.random.default_rng(7)
    gamma, beta = rng.normal(1, 0.5, size=c), rng.normal(size=c)
    bn = _torch_bn(c, gamma, beta, momentum, eps)
    state = {}
    for _step in range(5):
        x = rng.normal(3.0, 2.0, size=(n, c))
        dout = rng.normal(size=(n, c))
        bn.train()
        bn.zero_grad()
        xt = torch.tensor(x, requires_grad=True)
        out_t = bn(xt)
        out_t.backward(torch.from_numpy(dout))
        x_before = x.copy()
        out, cache, state = batchnorm_forward(x, gamma, beta, state, momentum=momentum, eps=eps)
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)
        np.testing.assert_array_equal(x, x_before)
        np.testing.assert_allclose(out, out_t.detach().numpy(), atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(dx, xt.grad.numpy(), atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(dgamma, bn.weight.grad.numpy(), atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(dbeta, bn.bias.grad.numpy(), atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(state["running_mean"], bn.running_mean.numpy(), atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(state["running_var"], bn.running_var.numpy(), atol=ATOL, rtol=RTOL)

    bn.eval()
    x = rng.normal(size=(5, c))
    dout = rng.normal(size=(5, c))
    xt = torch.tensor(x, requires_grad=True)
    bn.zero_grad()
    out_t = bn(xt)
    out_t.backward(torch.from_numpy(dout))
    before = {k: v.copy() for k, v in state.items()}
    out, cache, after = batchnorm_forward(x, gamma, beta, state, training=False, momentum=momentum, eps=eps)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=ATOL, rtol=RTOL)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(dgamma, bn.weight.grad.numpy(), atol=ATOL, rtol=RTOL)
    for key in before:  # eval changes nothing, in the returned state or the one passed in
        np.testing.assert_array_equal(after[key], before[key])
        np.testing.assert_array_equal(state[key], before[key])
    np.testing.assert_allclose(after["running_var"], bn.running_var.numpy(), atol=ATOL, rtol=RTOL)


def test_empty_state_is_torchs_start():
    x = np.arange(6.0).reshape(3, 2)
    out, _, state = batchnorm_forward(x, np.ones(2), np.zeros(2), {}, training=False)
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-5), rtol=1e-15)
    np.testing.assert_array_equal(state["running_mean"], np.zeros(2))
    np.testing.assert_array_equal(state["running_var"], np.ones(2))
    _, _, state = batchnorm_forward(x, np.ones(2), np.zeros(2), {})
    np.testing.assert_allclose(state["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(state["running_var"], 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-15)


def test_training_state_passed_in_is_not_modified():
    state = {"running_mean": np.array([1.0, -1.0]), "running_var": np.array([2.0, 0.5])}
    copy = {k: v.copy() for k, v in state.items()}
    _, _, new = batchnorm_forward(np.random.default_rng(0).normal(size=(4, 2)), np.ones(2), np.zeros(2), state)
    for key in copy:
        np.testing.assert_array_equal(state[key], copy[key])
        assert not np.array_equal(new[key], copy[key])


def test_training_needs_two_samples_like_torch():
    with pytest.raises(ValueError):
        batchnorm_forward(np.ones((1, 3)), np.ones(3), np.zeros(3), {})
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(3).double()(torch.ones(1, 3, dtype=torch.float64))


# --- correct variants written differently get full marks --------------------------------------

# What a student's notebook holds: both functions in one namespace, so the backward is graded
# with the cache of the forward next to it (a cache the reference's backward could not read).
STUDENT_CODE = """
import numpy as np

def batchnorm_forward(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
    n, c = x.shape
    out = np.empty_like(x)
    mean_r = state.get("running_mean", np.zeros(c))
    var_r = state.get("running_var", np.ones(c))
    new_mean, new_var, std = np.empty(c), np.empty(c), np.empty(c)
    for j in range(c):
        col = x[:, j]
        if training:
            m = sum(col) / n
            v = sum((col - m) ** 2) / n
            new_mean[j] = mean_r[j] + momentum * (m - mean_r[j])
            new_var[j] = var_r[j] + momentum * (v * n / (n - 1) - var_r[j])
        else:
            m, v = mean_r[j], var_r[j]
            new_mean[j], new_var[j] = mean_r[j], var_r[j]
        std[j] = np.sqrt(v + eps)
        out[:, j] = gamma[j] * (col - m) / std[j] + beta[j]
    cache = (x, gamma, std, training, None if training else mean_r)
    return out, cache, {"running_mean": new_mean, "running_var": new_var, "num_batches_tracked": 1}


def batchnorm_backward(dout, cache):
    # the textbook chain rule through the mean and the variance, step by step
    x, gamma, std, training, mean_r = cache
    n = x.shape[0]
    mu = x.mean(axis=0) if training else mean_r
    x_hat = (x - mu) / std
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_hat = dout * gamma
    if not training:
        return dx_hat / std, dgamma, dbeta
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * std ** -3
    dmu = np.sum(-dx_hat / std, axis=0) + dvar * np.mean(-2.0 * (x - mu), axis=0)
    dx = dx_hat / std + dvar * 2.0 * (x - mu) / n + dmu / n
    return dx, dgamma, dbeta
"""


def _student():
    namespace = {}
    exec(compile(STUDENT_CODE, "<student notebook>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name, fn", [("batchnorm_forward", "batchnorm_forward"),
                                      ("batchnorm_forward[eval]", "batchnorm_forward"),
                                      ("batchnorm_backward", "batchnorm_backward")])
def test_correct_variants_get_full_marks(name, fn):
    ev = evaluate(name, _student()[fn])
    failed = [(r.case.label, r.problem) for r in ev.results if not r.passed]
    assert ev.score == ev.points, failed


def test_backward_with_a_broken_forward_says_finish_the_forward_in_the_students_check():
    from coursekit.check.visible import evaluate as visible_evaluate

    namespace = _student()
    exec("def batchnorm_forward(*args, **kwargs):\n    raise NotImplementedError()", namespace)
    ev = visible_evaluate("batchnorm_backward", namespace["batchnorm_backward"])
    assert ev.score == 0
    assert all("ForwardFirst" in r.problem and "finish batchnorm_forward first" in r.problem for r in ev.results)


DICT_CACHE_BACKWARD = """
import numpy as np

def batchnorm_forward(*args, **kwargs):
    raise NotImplementedError()

def batchnorm_backward(dout, cache):
    # written for the course's cache (the reference forward's dict)
    x_hat, gamma, s = cache["x_hat"], cache["gamma"], cache["inv_std"]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    g = dout * gamma
    if not cache["training"]:
        return g * s, dgamma, dbeta
    return s * (g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0)), dgamma, dbeta
"""


def test_while_grading_a_backward_whose_forward_is_broken_gets_the_reference_cache():
    namespace = {}
    exec(DICT_CACHE_BACKWARD, namespace)
    for hidden in (False, True):
        ev = evaluate("batchnorm_backward", namespace["batchnorm_backward"], hidden=hidden)
        assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_a_forward_that_returns_a_pair_is_named_in_the_students_check():
    from coursekit.check.visible import evaluate as visible_evaluate

    namespace = _student()
    exec("def batchnorm_forward(x, gamma, beta, state, **kw):\n    return x, None\n", namespace)
    ev = visible_evaluate("batchnorm_backward", namespace["batchnorm_backward"])
    assert all("returned a tuple, not a triple (out, cache, state)" in r.problem for r in ev.results)


def test_delegating_to_torch_earns_nothing():
    def via_torch(x, gamma, beta, state, *, training=True, momentum=0.1, eps=1e-5):
        import torch.nn.functional as F
        c = x.shape[1]
        rm = torch.tensor(state.get("running_mean", np.zeros(c)))
        rv = torch.tensor(state.get("running_var", np.ones(c)))
        out = F.batch_norm(torch.tensor(x), rm, rv, torch.tensor(gamma), torch.tensor(beta), training, momentum, eps)
        return out.numpy(), None, {"running_mean": rm.numpy(), "running_var": rv.numpy()}

    ev = evaluate("batchnorm_forward", via_torch)
    assert ev.score == 0 and ev.delegated


# --- fold_batchnorm ---------------------------------------------------------------------------

def test_fold_batchnorm_matches_torch_fusion_and_the_eval_network():
    from torch.nn.utils.fusion import fuse_linear_bn_eval

    from coursegrader.reference.batchnorm import fold_batchnorm

    rng = np.random.default_rng(11)
    torch.manual_seed(0)
    lin = torch.nn.Linear(5, 4).double()
    bn = torch.nn.BatchNorm1d(4, momentum=0.3, eps=1e-3).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(rng.normal(size=4)))
        bn.bias.copy_(torch.tensor(rng.normal(size=4)))
        for _ in range(3):  # non-trivial running statistics
            bn(lin(torch.tensor(rng.normal(2, 3, size=(16, 5)))))
    lin.eval()
    bn.eval()
    state = {"running_mean": bn.running_mean.numpy().copy(), "running_var": bn.running_var.numpy().copy()}
    W, b = fold_batchnorm(lin.weight.detach().numpy().T, lin.bias.detach().numpy(), bn.weight.detach().numpy(),
                          bn.bias.detach().numpy(), state, eps=1e-3)
    fused = fuse_linear_bn_eval(lin, bn)
    np.testing.assert_allclose(W, fused.weight.detach().numpy().T, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(b, fused.bias.detach().numpy(), atol=ATOL, rtol=RTOL)
    x = rng.normal(size=(7, 5))
    with torch.no_grad():
        expected = bn(lin(torch.tensor(x))).numpy()
    np.testing.assert_allclose(x @ W + b, expected, atol=ATOL, rtol=RTOL)


def fold_via_forward(W, b, gamma, beta, state, *, eps=1e-5):
    # a correct variant: run eval-mode batchnorm on the rows of W (no bias) and on b
    m = W.shape[1]
    mean = state.get("running_mean", np.zeros(m))
    std = np.sqrt(state.get("running_var", np.ones(m)) + eps)
    W_f = np.array([row * gamma / std for row in W]).reshape(W.shape)
    return W_f, gamma * (b - mean) / std + beta


def test_fold_batchnorm_variant_gets_full_marks():
    ev = evaluate("fold_batchnorm", fold_via_forward)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


# --- layernorm_forward / layernorm_backward ----------------------------------------------

import re  # noqa: E402 (appended block)

from coursegrader.reference.layernorm import layernorm_backward, layernorm_forward  # noqa: E402


def _torch_ln(c, gamma, beta, eps, elementwise_affine=True):
    ln = torch.nn.LayerNorm(c, eps=eps, elementwise_affine=elementwise_affine).double()
    if elementwise_affine:
        with torch.no_grad():
            ln.weight.copy_(torch.from_numpy(gamma))
            ln.bias.copy_(torch.from_numpy(beta))
    return ln


@pytest.mark.parametrize("n, c, eps, loc, scale", [(8, 5, 1e-5, 0.0, 1.0), (1, 6, 1e-5, 3.0, 2.0),
                                                   (3, 1, 1e-3, 0.0, 1.0), (16, 32, 0.1, -5.0, 0.3),
                                                   (5, 4, 1e-8, 1e3, 1e-2)])
@pytest.mark.parametrize("affine", [True, False])
def test_layernorm_matches_torch_forward_and_autograd(n, c, eps, loc, scale, affine):
    rng = np.random.default_rng(n * 100 + c)
    x = rng.normal(loc, scale, size=(n, c))
    dout = rng.normal(size=(n, c))
    gamma, beta = (rng.normal(1.0, 0.5, size=c), rng.normal(size=c)) if affine else (np.ones(c), np.zeros(c))
    ln = _torch_ln(c, gamma, beta, eps, affine)
    xt = torch.tensor(x, requires_grad=True)
    out_t = ln(xt)
    out_t.backward(torch.tensor(dout))
    out, cache = layernorm_forward(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=ATOL, rtol=RTOL)
    if affine:
        np.testing.assert_allclose(dgamma, ln.weight.grad.numpy(), atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(dbeta, ln.bias.grad.numpy(), atol=ATOL, rtol=RTOL)
    assert out.dtype == dx.dtype == dgamma.dtype == dbeta.dtype == np.float64
    assert dgamma.shape == dbeta.shape == (c,)


def test_layernorm_same_in_training_and_eval_and_independent_of_the_batch():
    """No running statistics: torch's eval mode gives the same output, and each row's output depends
    on that row only (the reason it is used where batches are small)."""
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 3.0, size=(6, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    x_copy = x.copy()
    out, _ = layernorm_forward(x, gamma, beta)
    ln = _torch_ln(4, gamma, beta, 1e-5).eval()
    with torch.no_grad():
        np.testing.assert_allclose(out, ln(torch.tensor(x)).numpy(), atol=ATOL, rtol=RTOL)
    for i in range(6):
        alone, _ = layernorm_forward(x[i:i + 1], gamma, beta)
        np.testing.assert_allclose(alone[0], out[i], atol=ATOL, rtol=RTOL)
    np.testing.assert_array_equal(x, x_copy)


def test_layernorm_backward_passes_a_gradient_check():
    rng = np.random.default_rng(5)
    x, gamma, beta, dout = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=5), rng.normal(size=(3, 5))
    dx, _, _ = layernorm_backward(dout, layernorm_forward(x, gamma, beta)[1])
    h = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        numeric[idx] = np.sum(dout * (layernorm_forward(x + e, gamma, beta)[0]
                                      - layernorm_forward(x - e, gamma, beta)[0])) / (2 * h)
    np.testing.assert_allclose(dx, numeric, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("x, gamma, words", [
    (np.ones(4), np.ones(4), "shape (4,)"), (np.ones((2, 3, 4)), np.ones(4), "shape (2, 3, 4)"),
    (np.ones((2, 4)), np.ones(3), "(C,) = (4,), got (3,)"),
])
def test_layernorm_rejects_bad_input_clearly(x, gamma, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        layernorm_forward(x, gamma, np.zeros_like(gamma))


LN_STUDENT_CODE = """
import numpy as np

def layernorm_forward(x, gamma, beta, *, eps=1e-5):
    # the transpose trick: LayerNorm is BatchNorm's arithmetic on x.T
    xt = x.T
    mu = xt.mean(axis=0)
    var = ((xt - mu) ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    x_hat = ((xt - mu) / std).T
    return gamma * x_hat + beta, (x, gamma, mu, std)


def layernorm_backward(dout, cache):
    # the chain rule step by step, through the mean and the variance of each row
    x, gamma, mu, std = cache
    c = x.shape[1]
    xc = x - mu[:, None]
    x_hat = xc / std[:, None]
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xc, axis=1) * -0.5 * std ** -3
    dmu = -np.sum(dx_hat, axis=1) / std - 2.0 * dvar * xc.mean(axis=1)
    dx = dx_hat / std[:, None] + (2.0 * dvar[:, None] * xc + dmu[:, None]) / c
    return dx, dgamma, dbeta
"""


def _ln_student():
    namespace = {}
    exec(compile(LN_STUDENT_CODE, "<student notebook>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", ["layernorm_forward", "layernorm_backward"])
def test_layernorm_written_another_way_gets_full_marks(name):
    ev = evaluate(name, _ln_student()[name])
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_layernorm_backward_with_a_broken_forward_says_finish_the_forward_in_the_students_check():
    from coursekit.check.visible import evaluate as visible_evaluate

    namespace = _ln_student()
    exec("def layernorm_forward(*args, **kwargs):\n    raise NotImplementedError()", namespace)
    ev = visible_evaluate("layernorm_backward", namespace["layernorm_backward"])
    assert ev.score == 0 and all("finish layernorm_forward first" in r.problem for r in ev.results)
    # while grading, the same backward gets the reference's cache, a dict its tuple unpacking cannot read
    graded = evaluate("layernorm_backward", namespace["layernorm_backward"])
    assert graded.score == 0 and not any("finish layernorm_forward first" in r.problem for r in graded.results)


def test_layernorm_delegating_to_torch_earns_nothing():
    def via_torch(x, gamma, beta, *, eps=1e-5):
        import torch.nn.functional as F
        out = F.layer_norm(torch.tensor(x), (x.shape[1],), torch.tensor(gamma), torch.tensor(beta), eps)
        return out.numpy(), None

    ev = evaluate("layernorm_forward", via_torch)
    assert ev.score == 0 and ev.delegated


# --- the student's visible check (coursekit.check, answers stored when the course is built) -----

def _visible_tasks():
    from coursekit.check.tasks import all_tasks
    return [t for t in all_tasks() if t.lesson == "07_batchnorm"]


@pytest.mark.parametrize("task", _visible_tasks(), ids=lambda t: t.name)
def test_the_students_check_passes_the_answer_and_catches_and_names_every_catalogued_mistake(task):
    """Each visible check, run as a student's kernel runs it (stored answers, no reference), gives
    the reference every case and catches every catalogued mistake on at least one case, naming it."""
    from coursegrader.grading import get_exercise
    from coursekit.check.visible import evaluate as visible_evaluate

    ex = get_exercise(task.name)
    ev = visible_evaluate(task.name, ex.reference)
    assert ev.score == len(ev.results), [(r.case.label, r.problem) for r in ev.results if not r.passed]
    for mistake in ex.mistakes:
        ev = visible_evaluate(task.name, mistake.fn)
        assert ev.score < len(ev.results), f"{mistake.name} passes every visible case"
        assert ev.likely_mistake == mistake.name, (mistake.name, ev.likely_mistake)
