"""Lesson 06: layers and the two-layer net equal torch autograd, every backward passes a
gradient check, softmax cross-entropy is stable, correct variants get full marks."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from coursegrader.grading import evaluate
from coursegrader.reference.gradients import gradient_check
from coursegrader.reference.layers import (
    linear_backward,
    linear_forward,
    mse_forward_backward,
    relu_backward,
    relu_forward,
    softmax_cross_entropy,
)
from coursegrader.reference.nets import two_layer_net

TOL = dict(atol=1e-10, rtol=1e-8)


def _t(a, grad=True):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@pytest.mark.parametrize("n, d, m", [(5, 3, 2), (1, 4, 4), (7, 2, 6)])
def test_linear_matches_torch(n, d, m):
    rng = np.random.default_rng(n * 100 + d * 10 + m)
    x, W, b, dout = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m))
    out, cache = linear_forward(x, W, b)
    xt, Wt, bt = _t(x), _t(W), _t(b)
    ot = xt @ Wt + bt
    ot.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), **TOL)
    for ours, theirs in zip(linear_backward(dout, cache), (xt, Wt, bt)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), **TOL)


def test_linear_gradient_check():
    rng = np.random.default_rng(0)
    x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(4, 5))
    dx, dW, db = linear_backward(dout, linear_forward(x, W, b)[1])
    # L = sum(out * dout) has dL/dout = dout
    assert gradient_check(lambda v: float(np.sum(linear_forward(v, W, b)[0] * dout)), lambda v: dx, x) < 1e-8
    assert gradient_check(lambda v: float(np.sum(linear_forward(x, v, b)[0] * dout)), lambda v: dW, W) < 1e-8
    assert gradient_check(lambda v: float(np.sum(linear_forward(x, W, v)[0] * dout)), lambda v: db, b) < 1e-8


def test_relu_matches_torch_at_zero_too():
    x = np.array([[-2.0, 0.0, 0.5], [3.0, -0.0, -1e-300]])
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out, cache = relu_forward(x)
    xt = _t(x)
    ot = torch.relu(xt)
    ot.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, ot.detach().numpy())
    np.testing.assert_array_equal(relu_backward(dout, cache), xt.grad.numpy())
    assert relu_backward(np.ones(1), relu_forward(np.zeros(1))[1])[0] == 0.0  # relu'(0) = 0


def test_relu_gradient_check_away_from_zero():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    x[np.abs(x) < 0.1] = 0.5  # keep away from the kink: finite differences straddle it otherwise
    dout = rng.normal(size=x.shape)
    dx = relu_backward(dout, relu_forward(x)[1])
    assert gradient_check(lambda v: float(np.sum(relu_forward(v)[0] * dout)), lambda v: dx, x) < 1e-8


@pytest.mark.parametrize("shape", [(6,), (4, 3)])
def test_mse_matches_torch_and_gradient_check(shape):
    rng = np.random.default_rng(len(shape))
    pred, y = rng.normal(size=shape), rng.normal(size=shape)
    loss, dpred = mse_forward_backward(pred, y)
    pt = _t(pred)
    lt = torch.nn.MSELoss()(pt, torch.tensor(y))
    lt.backward()
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, lt.item(), **TOL)
    np.testing.assert_allclose(dpred, pt.grad.numpy(), **TOL)
    assert gradient_check(lambda v: mse_forward_backward(v, y)[0], lambda v: dpred, pred) < 1e-8


@pytest.mark.parametrize("scale", [1.0, 10.0, 1e3])
def test_softmax_cross_entropy_matches_torch(scale):
    rng = np.random.default_rng(int(scale))
    logits, y = scale * rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    loss, dlogits = softmax_cross_entropy(logits, y)
    lt_in = _t(logits)
    lt = F.cross_entropy(lt_in, torch.tensor(y))
    lt.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    np.testing.assert_allclose(loss, lt.item(), **TOL)
    np.testing.assert_allclose(dlogits, lt_in.grad.numpy(), **TOL)
    if scale < 1e3:  # at 1e3 the loss is piecewise linear at the eps scale, a check says little
        assert gradient_check(lambda v: softmax_cross_entropy(v, y)[0], lambda v: dlogits, logits) < 1e-7


def test_softmax_cross_entropy_stable_at_1e3():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    y = np.array([1, 2, 0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, dlogits = softmax_cross_entropy(logits, y)
    expected = (1000.0 + 1.0 + np.log1p(np.exp(-1.0)) + np.log(3.0)) / 3  # lse - logit of the label, per row
    np.testing.assert_allclose(loss, expected, **TOL)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)


def _net_params(seed, d=4, h=6, c=3):
    rng = np.random.default_rng(seed)
    return ({"W1": rng.normal(size=(d, h)), "b1": rng.normal(size=h), "W2": rng.normal(size=(h, c)),
             "b2": rng.normal(size=c)}, rng.normal(size=(8, d)), rng.integers(0, c, size=8))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_layer_net_matches_torch_autograd(seed):
    params, X, y = _net_params(seed)
    if seed == 2:  # exact zeros in the pre-activation: relu'(0) = 0 on both sides
        params["b1"][:3] = 0.0
        X[0] = 0.0
    loss, grads = two_layer_net(params, X, y)
    tp = {k: _t(v) for k, v in params.items()}
    scores = torch.relu(torch.tensor(X) @ tp["W1"] + tp["b1"]) @ tp["W2"] + tp["b2"]
    lt = F.cross_entropy(scores, torch.tensor(y))
    lt.backward()
    np.testing.assert_allclose(loss, lt.item(), **TOL)
    assert set(grads) == set(params)
    for k in params:
        np.testing.assert_allclose(grads[k], tp[k].grad.numpy(), **TOL, err_msg=k)


def test_two_layer_net_gradient_check_and_inputs_untouched():
    params, X, y = _net_params(5)
    before = {k: v.copy() for k, v in params.items()}
    _, grads = two_layer_net(params, X, y)
    for k in params:
        def f(v, k=k):
            return two_layer_net({**params, k: v}, X, y)[0]
        assert gradient_check(f, lambda v, k=k: grads[k], params[k]) < 1e-6, k
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


# --- correct variants get full marks -----------------------------------------------------------

def linear_forward_loops(x, W, b):
    out = np.zeros((x.shape[0], W.shape[1]))
    for i in range(x.shape[0]):
        for j in range(W.shape[1]):
            out[i, j] = sum(x[i, k] * W[k, j] for k in range(W.shape[0])) + b[j]
    return out, (x, W, b)


def linear_backward_einsum(dout, cache):
    x, W, b = cache
    return np.einsum("nm,dm->nd", dout, W), np.einsum("nd,nm->dm", x, dout), np.einsum("nm->m", dout)


def relu_forward_copy(x):
    out = x.copy()
    out[out < 0] = 0.0
    return out, x


def relu_backward_copy(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0.0
    return dx


def mse_loops(pred, y):
    n = pred.size
    loss = sum((p - t) ** 2 for p, t in zip(pred.ravel(), y.ravel())) / n
    return float(loss), np.array([2 * (p - t) / n for p, t in zip(pred.ravel(), y.ravel())]).reshape(pred.shape)


def softmax_ce_logaddexp(logits, y):
    lse = np.logaddexp.reduce(logits, axis=1)
    n = len(y)
    loss = float(np.mean(lse - logits[np.arange(n), y]))
    d = np.exp(logits - lse[:, None])
    d[np.arange(n), y] -= 1
    return loss, d / n


def two_layer_net_loops(params, X, y):
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    loss = 0.0
    n = len(X)
    for x, label in zip(X, y):
        a = x @ params["W1"] + params["b1"]
        h = np.maximum(a, 0)
        s = h @ params["W2"] + params["b2"]
        s = s - s.max()
        p = np.exp(s) / np.exp(s).sum()
        loss -= np.log(p[label]) / n
        ds = p.copy()
        ds[label] -= 1
        ds /= n
        grads["W2"] += np.outer(h, ds)
        grads["b2"] += ds
        da = (params["W2"] @ ds) * (a > 0)
        grads["W1"] += np.outer(x, da)
        grads["b1"] += da
    return float(loss), grads


@pytest.mark.parametrize("name, fn", [("linear_forward", linear_forward_loops),
                                      ("linear_backward", linear_backward_einsum),
                                      ("relu_forward", relu_forward_copy), ("relu_backward", relu_backward_copy),
                                      ("mse_forward_backward", mse_loops),
                                      ("softmax_cross_entropy", softmax_ce_logaddexp),
                                      ("two_layer_net", two_layer_net_loops)])
def test_correct_variants_get_full_marks(name, fn):
    for hidden in (True, False):
        ev = evaluate(name, fn, hidden=hidden)
        failed = [(r.case.label, r.problem) for r in ev.results if not r.passed]
        assert ev.score == ev.points, failed


def test_forward_must_return_a_pair():
    ev = evaluate("relu_forward", lambda x: np.maximum(x, 0))
    assert ev.score == 0
    assert "(out, cache)" in ev.results[0].problem


# --- loss_along_line -------------------------------------------------------------------

import re  # noqa: E402 (appended block)

from coursegrader.reference.landscape import loss_along_line  # noqa: E402


def _flat_net_loss(seed=0, n=10, d=3, h=4, c=3):
    """A two-layer net's cross-entropy as a function of its flattened parameters (torch, float64)."""
    r = np.random.default_rng(seed)
    X, y = torch.tensor(r.normal(size=(n, d))), torch.tensor(r.integers(0, c, size=n))
    shapes = [(d, h), (h,), (h, c), (c,)]
    size = sum(int(np.prod(s)) for s in shapes)

    def loss(theta):
        assert theta.dtype == np.float64 and theta.ndim == 1  # the contract of loss_fn
        t, parts, i = torch.tensor(theta), [], 0
        for s in shapes:
            k = int(np.prod(s))
            parts.append(t[i:i + k].reshape(s))
            i += k
        W1, b1, W2, b2 = parts
        return F.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y).item()

    return loss, 0.5 * r.normal(size=size), r.normal(size=size)


def test_loss_along_line_end_points_and_torch_interpolation():
    loss, theta0, theta1 = _flat_net_loss()
    alphas = np.linspace(-0.5, 1.5, 9)
    curve = loss_along_line(loss, theta0, theta1, alphas)
    assert curve.shape == (9,) and curve.dtype == np.float64
    ends = loss_along_line(loss, theta0, theta1, [0.0, 1.0])
    assert ends[0] == loss(theta0) and ends[1] == loss(theta1)  # exactly: (1 - 0) * t0 + 0 * t1 == t0
    t0, t1 = torch.tensor(theta0), torch.tensor(theta1)
    theirs = [loss(torch.lerp(t0, t1, float(a)).numpy()) for a in alphas]  # torch.lerp: t0 + a (t1 - t0)
    np.testing.assert_allclose(curve, theirs, **TOL)


def test_loss_along_line_never_modifies_its_inputs_and_hands_out_new_arrays():
    seen = []

    def loss(theta):
        seen.append(theta)
        theta[0] = 1e9  # a hostile loss_fn that writes into its argument
        return 0.0

    theta0, theta1 = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    out = loss_along_line(loss, theta0, theta1, (0.0, 1.0, 0.5))
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(theta0, [1.0, 2.0])
    np.testing.assert_array_equal(theta1, [3.0, -1.0])
    assert len({id(t) for t in seen}) == 3 and all(t is not theta0 and t is not theta1 for t in seen)


def test_loss_along_line_takes_array_likes_and_an_empty_alpha_list():
    quad = lambda th: float(th @ th)  # noqa: E731
    np.testing.assert_allclose(loss_along_line(quad, [1, 0], [0, 1], [0.5]), [0.5], **TOL)
    empty = loss_along_line(quad, [1, 0], [0, 1], [])
    assert empty.shape == (0,) and empty.dtype == np.float64


@pytest.mark.parametrize("theta0, theta1, words", [
    (np.zeros((2, 2)), np.zeros((2, 2)), "shapes (2, 2) and (2, 2)"), (np.zeros(3), np.zeros(2), "shapes (3,) and (2,)"),
    (np.zeros(2), np.zeros((2, 1)), "shapes (2,) and (2, 1)"), (0.0, 1.0, "shapes () and ()"),
])
def test_loss_along_line_rejects_bad_input_clearly(theta0, theta1, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        loss_along_line(lambda th: 0.0, theta0, theta1, [0.0])


def lal_lerp(loss_fn, theta0, theta1, alphas):
    a0, a1 = np.asarray(theta0, dtype=float), np.asarray(theta1, dtype=float)
    if a0.ndim != 1 or a0.shape != a1.shape:
        raise ValueError(f"theta0 {a0.shape} and theta1 {a1.shape} must be flat and of one length")
    out = np.empty(len(alphas))
    for k, a in enumerate(alphas):
        out[k] = loss_fn(a0 + a * (a1 - a0))
    return out


def test_loss_along_line_written_another_way_gets_full_marks():
    ev = evaluate("loss_along_line", lal_lerp)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


# --- a backward is graded with the cache its own forward made (issue 15) -----------------------

OWN_CACHES = '''
import numpy as np

def linear_forward(x, W, b):
    return x @ W + b, {"input": x, "weights": W}

def linear_backward(dout, cache):
    return dout @ cache["weights"].T, cache["input"].T @ dout, dout.sum(axis=0)

def relu_forward(x):
    return np.maximum(x, 0.0), x > 0

def relu_backward(dout, cache):
    return dout * cache
'''


def test_a_backward_with_its_own_cache_layout_gets_full_marks():
    from coursegrader.grading import evaluate
    ns = {}
    exec(OWN_CACHES, ns)
    for name in ("linear_backward", "relu_backward"):
        for hidden in (False, True):
            ev = evaluate(name, ns[name], hidden=hidden)
            assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_a_backward_whose_forward_raises_gets_the_course_cache():
    from coursegrader.grading import evaluate
    ns = {}
    exec("import numpy as np\n"
         "def linear_forward(x, W, b):\n    raise NotImplementedError\n"
         "def linear_backward(dout, cache):\n    x, W, b = cache\n"
         "    return dout @ W.T, x.T @ dout, dout.sum(axis=0)\n", ns)
    ev = evaluate("linear_backward", ns["linear_backward"])
    assert ev.score == ev.points


def test_in_a_students_check_a_backward_whose_forward_raises_says_finish_the_forward():
    from coursekit.check.visible import evaluate as visible_evaluate
    ns = {}
    exec("import numpy as np\n"
         "def linear_forward(x, W, b):\n    raise NotImplementedError\n"
         "def linear_backward(dout, cache):\n    x, W, b = cache\n"
         "    return dout @ W.T, x.T @ dout, dout.sum(axis=0)\n", ns)
    ev = visible_evaluate("linear_backward", ns["linear_backward"])
    assert ev.score == 0
    assert all("finish linear_forward first" in r.problem and "NotImplementedError" in r.problem for r in ev.results)


def test_a_backward_that_changes_its_cache_in_place_is_still_caught():
    from coursegrader.grading import evaluate
    ns = {}
    exec("import numpy as np\n"
         "def linear_forward(x, W, b):\n    return x @ W + b, (x, W, b)\n"
         "def linear_backward(dout, cache):\n    x, W, b = cache\n    W *= -1.0\n"
         "    return -dout @ W.T, x.T @ dout, dout.sum(axis=0)\n", ns)
    ev = evaluate("linear_backward", ns["linear_backward"])
    assert ev.score == 0 and all("in place" in r.problem for r in ev.results)


# --- the student's visible check (coursekit.check, answers stored when the course is built) -----

def _visible_tasks():
    from coursekit.check.tasks import all_tasks
    return [t for t in all_tasks() if t.lesson == "06_backprop"]


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
