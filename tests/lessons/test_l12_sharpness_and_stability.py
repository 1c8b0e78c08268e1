"""Lesson 12: the references against torch (hvp, the explicit Hessian's eigenvalues, GradScaler driven
through a real optimizer) and against their definitions on hand-checked cases (lr_range_test,
sam_step); correct solutions written differently get full marks; delegating earns nothing; every
catalogued mistake is named whatever the order of its list; the lesson's kit helpers."""
from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate, get_exercise
from coursegrader.reference.curvature import hvp, top_eigenvalue
from coursegrader.reference.loss_scaling import grad_scaler_update
from coursegrader.reference.lr_finder import lr_range_test
from coursegrader.reference.optim.sam import sam_step
from coursekit.check.copying import fresh
from coursekit.check.verdict.compare import compare
from coursekit.check.verdict.judge import match_mistakes
from coursekit.flatnet import layer_shapes, loss_and_grad, mlp_loss
from coursekit.half_precision import LARGEST, SMALLEST_NORMAL, TINY, to_float16

NAMES = ["hvp", "top_eigenvalue", "lr_range_test", "sam_step", "grad_scaler_update"]


def _small_net(seed=0, n=30, hidden=(6, 5)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    Y = np.sign(np.sin(2.5 * X[:, :1]) * np.sin(2.5 * X[:, 1:]))
    return mlp_loss(X, Y, hidden, seed=seed)


# --- hvp: torch.autograd.functional.hvp ------------------------------------------------------

def _torch_hvp(f, x, v):
    return torch.autograd.functional.hvp(f, torch.tensor(x), torch.tensor(v))[1].numpy()


@pytest.mark.parametrize("seed", range(5))
def test_hvp_equals_torch_on_a_network_at_many_points(seed):
    loss, theta0 = _small_net(seed)
    rng = np.random.default_rng(100 + seed)
    for _ in range(10):
        theta = theta0 + rng.normal(size=theta0.size) * 0.5
        v = rng.normal(size=theta0.size)
        theta_before, v_before = theta.copy(), v.copy()
        got = hvp(loss, theta, v)
        np.testing.assert_array_equal(theta, theta_before)
        np.testing.assert_array_equal(v, v_before)
        assert got.dtype == np.float64 and got.shape == theta.shape
        np.testing.assert_allclose(got, _torch_hvp(loss, theta, v), atol=1e-12, rtol=1e-10)


def test_hvp_equals_torch_on_matrices_and_where_the_gradient_is_constant():
    rng = np.random.default_rng(3)
    b = torch.tensor(rng.normal(size=(3, 4)))
    cases = [(lambda t: torch.tanh(t @ b).pow(2).sum(), rng.normal(size=(2, 3))),
             (lambda t: (t * 3.0).sum() + 1.0, rng.normal(size=(4,))),          # linear: H = 0
             (lambda t: torch.relu(t).sum(), rng.normal(size=(5,))),            # piecewise linear
             (lambda t: t[0] ** 2 * t[1] + t[2], rng.normal(size=(3,)))]        # a zero row
    for f, x in cases:
        v = rng.normal(size=x.shape)
        np.testing.assert_allclose(hvp(f, x, v), _torch_hvp(f, x, v), atol=1e-12, rtol=1e-10)


def test_hvp_rejects_shapes_that_differ():
    with pytest.raises(ValueError, match="shape"):
        hvp(lambda t: (t ** 2).sum(), np.ones(3), np.ones(4))


# --- top_eigenvalue: eigvalsh of the explicit Hessian ---------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_top_eigenvalue_equals_eigvalsh_of_the_explicit_hessian(seed):
    loss, theta0 = _small_net(seed)
    theta = theta0 + np.random.default_rng(seed).normal(size=theta0.size) * 0.3
    H = torch.autograd.functional.hessian(loss, torch.tensor(theta)).numpy()
    eig = np.linalg.eigvalsh(H)
    largest = eig[np.argmax(np.abs(eig))]
    second = np.sort(np.abs(eig))[-2]
    assert abs(second / largest) < 0.95, "the test needs a dominant eigenvalue"
    lam, v = top_eigenvalue(lambda u: hvp(loss, theta, u), theta.size, iters=2000, tol=1e-12)
    np.testing.assert_allclose(lam, largest, rtol=1e-6)
    assert abs(np.linalg.norm(v) - 1) < 1e-12
    np.testing.assert_allclose(abs(v @ H @ v), abs(largest), rtol=1e-6)


def test_top_eigenvalue_on_symmetric_matrices_with_a_dominant_eigenvalue():
    rng = np.random.default_rng(7)
    for dim in (1, 2, 5, 40):
        q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        lam = rng.uniform(-1, 1, size=dim)
        lam[0] = rng.choice([-1.0, 1.0]) * 3.0  # dominant, positive or negative
        H = (q * lam) @ q.T
        got, _ = top_eigenvalue(lambda u, H=H: H @ u, dim)
        eig = np.linalg.eigvalsh(H)
        np.testing.assert_allclose(got, eig[np.argmax(np.abs(eig))], rtol=1e-6)


def test_top_eigenvalue_follows_the_spec_step_by_step():
    """Iteration k: w = H v, lam = v @ w, v = w / |w|; stop at the first k >= 2 with a relative change <= tol."""
    H = np.array([[2.0, 1.0], [1.0, 2.0]])
    v = np.random.default_rng(4).standard_normal(2)
    v = v / np.linalg.norm(v)
    lams, vs = [], []
    for _ in range(6):
        w = H @ v
        lams.append(float(v @ w))
        v = w / np.linalg.norm(w)
        vs.append(v)
    for iters in range(1, 7):
        lam, got = top_eigenvalue(lambda u: H @ u, 2, iters=iters, seed=4)
        assert lam == lams[iters - 1] and np.array_equal(got, vs[iters - 1])
    # tol: the first k >= 2 whose change is within tol * max(1, |lam|)
    changes = np.abs(np.diff(lams))
    tol = float(changes[2] / max(1, abs(lams[3])))  # iteration 4 is the first within tol ...
    assert changes[1] > tol * max(1, abs(lams[2]))  # ... not iteration 3
    lam, got = top_eigenvalue(lambda u: H @ u, 2, iters=50, tol=tol * (1 + 1e-9), seed=4)
    assert lam == lams[3] and np.array_equal(got, vs[3])


def test_top_eigenvalue_edge_cases_and_bad_input():
    lam, v = top_eigenvalue(lambda u: 0 * u, 3, seed=2)
    start = np.random.default_rng(2).standard_normal(3)
    assert lam == 0.0 and np.array_equal(v, start / np.linalg.norm(start))
    calls = []
    top_eigenvalue(lambda u: calls.append(1) or 0 * u, 3)
    assert len(calls) == 1  # at once
    for dim, iters in [(0, 10), (-1, 10), (3, 0)]:
        with pytest.raises(ValueError, match="at least 1"):
            top_eigenvalue(lambda u: u, dim, iters=iters)


# --- grad_scaler_update: torch.amp.GradScaler("cpu") through a real optimizer ----------------

def _drive_torch_scaler(flags, **hyper):
    """Scales after each update() and whether each step changed the parameters."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.5)
    scaler = torch.amp.GradScaler("cpu", **hyper)
    x = torch.randn(8, 3)
    scales, stepped = [], []
    for overflow in flags:
        opt.zero_grad()
        loss = model(x).sum()  # a constant gradient: every applied step moves the parameters
        if overflow:
            loss = loss * float("inf")  # every gradient entry becomes inf or NaN
        before = [p.detach().clone() for p in model.parameters()]
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        stepped.append(any(not torch.equal(b, p) for b, p in zip(before, model.parameters())))
    return scales, stepped


def _ours(flags, **hyper):
    state, scales = {}, []
    for overflow in flags:
        incoming, before = state, dict(state)
        state = grad_scaler_update(incoming, overflow, **hyper)
        assert incoming == before  # the dict it was given is left alone
        assert isinstance(state["scale"], float)
        scales.append(state["scale"])
    return scales


@pytest.mark.parametrize("hyper, seed, p, n", [
    ({}, 0, 0.01, 300),
    ({"growth_interval": 3}, 1, 0.2, 300),
    ({"init_scale": 2.0 ** 10, "growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 5}, 2, 0.15, 300),
    # grows 8x on every clean step: kept short, so that the scaled gradients stay below float32's limit
    ({"init_scale": 1.0, "growth_factor": 8.0, "backoff_factor": 0.125, "growth_interval": 1}, 3, 0.4, 60),
    ({"init_scale": 2.0 ** 20, "growth_interval": 2}, 4, 0.5, 300),
])
def test_grad_scaler_update_equals_torch_gradscaler_driven_through_an_optimizer(hyper, seed, p, n):
    flags = list(np.random.default_rng(seed).random(n) < p)
    if not hyper:
        flags = flags + [False] * 2100  # reach the default growth_interval of 2000
    scales, stepped = _drive_torch_scaler(flags, **hyper)
    assert stepped == [not f for f in flags]  # the optimizer skipped exactly the overflowing steps
    assert _ours(flags, **hyper) == scales  # powers of two: exactly equal


def test_grad_scaler_update_with_other_factors_equals_torch_up_to_float32_rounding():
    hyper = {"init_scale": 1000.0, "growth_factor": 1.5, "backoff_factor": 0.7, "growth_interval": 4}
    flags = list(np.random.default_rng(9).random(200) < 0.2)
    scales, _ = _drive_torch_scaler(flags, **hyper)
    np.testing.assert_allclose(_ours(flags, **hyper), scales, rtol=1e-5)


def test_grad_scaler_defaults_are_torchs():
    import inspect
    ours = {k: v.default for k, v in inspect.signature(grad_scaler_update).parameters.items()
            if v.kind is v.KEYWORD_ONLY}
    theirs = inspect.signature(torch.amp.GradScaler.__init__).parameters
    assert ours == {k: theirs[k].default for k in ours}


# --- lr_range_test and sam_step: their definitions on hand-checked cases ---------------------

def test_lr_range_test_by_hand():
    """0.5 p^2 from p = 1, lr 0.1, 0.2, 0.4, beta = 0.98: the numbers worked out by hand."""
    lrs, losses = lr_range_test(lambda p: (0.5 * float(p @ p), p.copy()), np.array([1.0]),
                                lr_min=0.1, lr_max=0.4, num_steps=3)
    np.testing.assert_allclose(lrs, [0.1, 0.2, 0.4], rtol=1e-15)
    # step 0: loss 0.5, avg = 0.02 * 0.5 = 0.01, smoothed = 0.01 / 0.02 = 0.5; p = 0.9
    # step 1: loss 0.405, avg = 0.98 * 0.01 + 0.02 * 0.405 = 0.0179, smoothed = 0.0179 / (1 - 0.98^2); p = 0.72
    # step 2: loss 0.2592, avg = 0.98 * 0.0179 + 0.02 * 0.2592, smoothed = avg / (1 - 0.98^3)
    avg2 = 0.98 * 0.0179 + 0.02 * 0.2592
    np.testing.assert_allclose(losses, [0.5, 0.0179 / (1 - 0.98 ** 2), avg2 / (1 - 0.98 ** 3)], rtol=1e-12)


def test_lr_range_test_stops_right_after_recording_and_leaves_params_alone():
    # 0.5 * 10 p^2: p -> p (1 - 10 lr); beta = 0: smoothed = loss; stop_factor 4
    p0 = np.array([1.0])
    lrs, losses = lr_range_test(lambda p: (5.0 * float(p @ p), 10.0 * p), p0, lr_min=0.01, lr_max=1.0,
                                num_steps=5, beta=0.0)
    # lrs 0.01, 0.0316, 0.1, 0.316, 1: p = 1, 0.9, 0.6154, 0 (exactly: 1 - 10 * 0.1 = 0), ...
    p, expected = 1.0, []
    for i in range(5):
        lr = 0.01 * 100 ** (i / 4)
        expected.append(5 * p * p)
        if expected[-1] > 4 * min(expected):
            break
        p = p * (1 - 10 * lr)
    np.testing.assert_allclose(losses, expected, rtol=1e-12, atol=1e-300)
    assert len(lrs) == len(losses) and np.array_equal(p0, [1.0])
    # a NaN loss: recorded, then stop
    lrs, losses = lr_range_test(lambda p: (math.nan, p), np.ones(2), num_steps=10)
    assert len(losses) == 1 and math.isnan(losses[0])


def test_lr_range_test_bad_input():
    for kw in [{"lr_min": 0.0}, {"lr_min": 1.0, "lr_max": 0.5}, {"num_steps": 1}, {"beta": 1.0}, {"beta": -0.1}]:
        with pytest.raises(ValueError, match="lr_range_test"):
            lr_range_test(lambda p: (0.0, p), np.ones(1), **kw)


def test_sam_step_by_hand():
    # f = 0.5 |p|^2, grad = p: at (3, 4), |g| = 5, e = rho * (0.6, 0.8); rho = 0.5: grad at p + e = (3.3, 4.4)
    p = np.array([3.0, 4.0])
    got = sam_step(p, lambda q: q.copy(), lr=0.1, rho=0.5)
    np.testing.assert_allclose(got, [3.0 - 0.33, 4.0 - 0.44], rtol=1e-12)
    assert np.array_equal(p, [3.0, 4.0])
    # a matrix: the perturbation is normalised by the Frobenius norm over every entry
    W = np.array([[3.0, 0.0], [0.0, 4.0]])  # Frobenius norm 5, spectral norm 4
    got = sam_step(W, lambda q: q.copy(), lr=1.0, rho=1.0)
    np.testing.assert_allclose(got, W - (W + W / 5.0), rtol=1e-12)
    # zero gradient: no perturbation, no step, no NaN
    np.testing.assert_array_equal(sam_step(np.zeros(3), lambda q: 2 * q, lr=0.1), np.zeros(3))


# --- correct variants get full marks, delegation earns nothing -------------------------------

def hvp_forward_over_reverse(f, x, v):
    """H v as the directional derivative of the gradient: torch.func.jvp of torch.func.grad."""
    x, v = np.asarray(x, dtype=np.float64), np.asarray(v, dtype=np.float64)
    if x.shape != v.shape:
        raise ValueError("shapes differ")
    _, out = torch.func.jvp(torch.func.grad(f), (torch.tensor(x),), (torch.tensor(v),))
    return out.detach().numpy().copy()


def hvp_backward_twice(f, x, v):
    """With .backward() and x.grad, zeroing in between (the slip of the catalogue, avoided)."""
    if np.shape(x) != np.shape(v):
        raise ValueError("shapes differ")
    t = torch.tensor(np.array(x, dtype=np.float64), requires_grad=True)
    y = f(t)
    if not y.requires_grad:
        return np.zeros(np.shape(x))
    (g,) = torch.autograd.grad(y, t, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:
        return np.zeros(np.shape(x))
    (g * torch.tensor(np.asarray(v, dtype=np.float64))).sum().backward()
    return np.zeros(np.shape(x)) if t.grad is None else t.grad.numpy().copy()


def top_eigenvalue_while(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    v = np.random.default_rng(seed).standard_normal(dim)
    v = v / math.sqrt(float(v @ v))
    history, k = [], 0
    while k < iters:
        k += 1
        w = np.asarray(hvp_fn(v))
        if np.all(w == 0):
            return 0.0, v
        history.append(float(np.dot(v, w)))
        v = w / np.linalg.norm(w)
        if len(history) >= 2 and abs(history[-1] - history[-2]) <= tol * max(1.0, abs(history[-1])):
            break
    return history[-1], v


def lr_range_test_geomspace(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                            stop_factor=4.0):
    if lr_min <= 0 or lr_max <= lr_min or num_steps < 2 or beta < 0 or beta >= 1:
        raise ValueError("bad arguments")
    schedule = np.geomspace(lr_min, lr_max, num_steps)
    p, raw, out = np.array(params, dtype=float), [], []
    for i, lr in enumerate(schedule):
        loss, grad = loss_and_grad(p)
        raw.append(float(loss))
        weights = (1 - beta) * beta ** np.arange(i, -1, -1)  # the average written out in full
        out.append(float(weights @ np.array(raw)) / (1 - beta ** (i + 1)))
        if not np.isfinite(raw[-1]) or out[-1] > stop_factor * min(out):
            break
        p = p - lr * grad
    return schedule[:len(out)], np.array(out)


def sam_step_inplace(params, loss_grad, *, lr, rho=0.05):
    p = params.copy()
    g = loss_grad(p)
    scale = rho / (math.sqrt(float(np.sum(g * g))) + 1e-12)
    p += scale * g
    g_adv = loss_grad(p)
    p -= scale * g
    p -= lr * g_adv
    return p


def grad_scaler_update_own_keys(state, found_inf, *, init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
                                growth_interval=2000):
    new = {"scale": state.get("scale", init_scale), "clean_steps": state.get("clean_steps", 0)}
    if found_inf:
        new["scale"] *= backoff_factor
        new["clean_steps"] = 0
    elif new["clean_steps"] + 1 >= growth_interval:
        new["scale"] *= growth_factor
        new["clean_steps"] = 0
    else:
        new["clean_steps"] += 1
    return new


CORRECT = {"top_eigenvalue": top_eigenvalue_while, "lr_range_test": lr_range_test_geomspace,
           "sam_step": sam_step_inplace, "grad_scaler_update": grad_scaler_update_own_keys}


@pytest.mark.parametrize("name, fn", [("hvp", hvp_forward_over_reverse), ("hvp", hvp_backward_twice),
                                      ("top_eigenvalue", top_eigenvalue_while),
                                      ("lr_range_test", lr_range_test_geomspace),
                                      ("sam_step", sam_step_inplace),
                                      ("grad_scaler_update", grad_scaler_update_own_keys)])
def test_correct_variants_get_full_marks(name, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]
    assert evaluate(name, fn, hidden=False).score == ev.points


def test_delegating_earns_nothing():
    def hvp_via_torch(f, x, v):
        if np.shape(x) != np.shape(v):
            raise ValueError("shapes differ")
        return torch.autograd.functional.hvp(f, torch.tensor(x), torch.tensor(v))[1].numpy()

    def scaler_via_torch(state, found_inf, **hyper):
        scaler = torch.amp.GradScaler("cpu", **hyper)
        if state:
            scaler.load_state_dict(state)
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.0)
        scaler.scale(p.sum() * (float("inf") if found_inf else 1.0)).backward()
        scaler.step(opt)
        scaler.update()
        return scaler.state_dict()

    ev = evaluate("hvp", hvp_via_torch)
    assert ev.score == 0 and ev.delegated
    ev = evaluate("grad_scaler_update", scaler_via_torch)
    assert ev.score == 0 and ev.delegated


# --- the catalogue: every mistake is named, whatever the order of its list -------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_mistake_is_named_whatever_the_order_of_the_list(name):
    """On the hidden cases a mistake fails, count the cases where its result is its own (no other
    mistake gives it) against the cases any other single mistake shares: the first must win, so the
    mistake is named first in any order of the list (the verdict names the most frequent match)."""
    ex = get_exercise(name)
    cases = ex.hidden()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [ex.call(ex.reference, fresh(c)) for c in cases]
        outputs = {m.name: [ex.call(m.fn, fresh(c)) for c in cases] for m in ex.mistakes}
    for m in ex.mistakes:
        own, shared = 0, {}
        for i, case in enumerate(cases):
            mine = outputs[m.name][i]
            atol, rtol = ex.tolerances(case)
            if compare(expected[i], mine, atol, rtol) is None:
                continue  # passes this case
            exact = match_mistakes(expected[i], mine, [(n.name, outputs[n.name][i]) for n in ex.mistakes],
                                   atol, rtol)
            assert m.name in exact, (m.name, case.label, exact)
            others = [n for n in exact if n != m.name]
            if not others:
                own += 1
            for other in others:
                shared[other] = shared.get(other, 0) + 1
        assert own > max(shared.values(), default=0), (m.name, own, shared)
    for order in (list(ex.mistakes), list(reversed(ex.mistakes))):
        saved, ex.mistakes = ex.mistakes, order
        try:
            for m in order:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ev = evaluate(name, m.fn)
                assert ev.score < ex.points and ev.likely_mistake == m.name, (m.name, ev.mistakes)
        finally:
            ex.mistakes = saved


def test_a_wrong_answer_in_the_visible_check_names_the_mistake():
    from coursekit.check import check
    ex = get_exercise("lr_range_test")
    wrong = next(m for m in ex.mistakes if m.name == "no_bias_correction").fn
    with pytest.raises(AssertionError) as err:
        check("lr_range_test", wrong)
    assert "bias correction" in str(err.value)


@pytest.mark.serial  # timed
@pytest.mark.parametrize("name", NAMES)
def test_hidden_cases_are_quick(name):
    ex = get_exercise(name)
    evaluate(name, ex.reference)  # warm-up (torch's first double backward)
    start = time.perf_counter()
    evaluate(name, ex.reference)
    assert time.perf_counter() - start < 2.0


# --- the lesson's kit --------------------------------------------------------------------------

def test_to_float16_equals_numpys_float16_entry_for_entry():
    rng = np.random.default_rng(0)
    values = rng.normal(size=20000) * 10.0 ** rng.integers(-12, 6, size=20000)
    specials = [TINY / 2, TINY * 0.5000001, TINY * 1.5, TINY * 2.5, SMALLEST_NORMAL * (1 - 2 ** -12), LARGEST,
                65519.0, 65520.0, 1e6, 0.0, -0.0, -TINY / 2, np.inf, -np.inf]
    a = np.concatenate([values, specials]).astype(np.float32)
    with np.errstate(over="ignore", under="ignore"):
        numpy_says = a.astype(np.float16).astype(np.float32)
    got = to_float16(a)
    assert got.dtype == np.float32
    assert np.array_equal(got, numpy_says) and np.array_equal(np.signbit(got), np.signbit(numpy_says))
    assert np.isnan(to_float16(np.array([np.nan]))).all()


def test_flat_mlp_loss_matches_torch_modules_and_its_gradient():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 2))
    loss, theta = mlp_loss(X, Y, (4, 5), seed=2)
    assert loss.shapes == layer_shapes([3, 4, 5, 2]) == [(3, 4), (4,), (4, 5), (5,), (5, 2), (2,)]
    assert theta.size == sum(int(np.prod(s)) for s in loss.shapes)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 5), torch.nn.Tanh(),
                              torch.nn.Linear(5, 2)).double()
    start = 0
    with torch.no_grad():
        for layer in (net[0], net[2], net[4]):
            w_size = layer.weight.numel()
            layer.weight.copy_(torch.tensor(theta[start:start + w_size].reshape(layer.in_features, -1).T))
            start += w_size
            layer.bias.copy_(torch.tensor(theta[start:start + layer.out_features]))
            start += layer.out_features
    expected = 0.5 * torch.nn.functional.mse_loss(net(torch.tensor(X)), torch.tensor(Y))
    value, grad = loss_and_grad(loss, theta)
    assert abs(value - float(expected.detach())) < 1e-14
    eps = 1e-6
    for i in (0, 7, theta.size - 1):
        e = np.zeros_like(theta)
        e[i] = eps
        numeric = (loss_and_grad(loss, theta + e)[0] - loss_and_grad(loss, theta - e)[0]) / (2 * eps)
        assert abs(numeric - grad[i]) < 1e-8


# --- the visible checks -------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_the_visible_cases_set_every_keyword_and_name_every_mistake(name):
    """Every keyword of the function gets a value other than its default in some visible case, and
    every catalogued mistake fails a visible case and is named by the check."""
    import inspect
    ex = get_exercise(name)
    cases = ex.visible()
    signature = inspect.signature(ex.reference).parameters
    defaults = {k: p.default for k, p in signature.items() if p.default is not inspect.Parameter.empty}
    for key, default in defaults.items():
        assert any(key in c.kwargs and c.kwargs[key] != default for c in cases), f"{name}: {key} is never set"
    for m in ex.mistakes:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ev = evaluate(name, m.fn, hidden=False)
        assert ev.score < ex.points and ev.likely_mistake == m.name, (m.name, ev.mistakes)


@pytest.mark.serial  # timed
@pytest.mark.parametrize("name", NAMES)
def test_visible_cases_are_quick(name):
    fn = hvp_backward_twice if name == "hvp" else CORRECT[name]
    evaluate(name, fn, hidden=False)  # warm-up
    start = time.perf_counter()
    evaluate(name, fn, hidden=False)
    assert time.perf_counter() - start < 0.5, name


# --- the lesson's claims ----------------------------------------------------------------------------

def test_every_claim_of_the_lesson_is_a_whole_sentence_of_its_text():
    """A claim backs a sentence a reader reads, word for word: not a fragment of one."""
    from claimaudit import not_full_sentences, read

    from tools.editions import NOTEBOOKS

    assert not_full_sentences(read(NOTEBOOKS / "12_sharpness_and_stability.ipynb")) == []


def test_the_lesson_compares_the_minima_sam_and_gradient_descent_find():
    """COURSE_SPEC section 3 asks for SAM against SGD at the same training loss: the sharpness of the
    minimum each finds. The reading edition must record, as claims that hold, that the runs stopped at
    one loss at points whose gradient is below a stated tolerance, and that SAM's minima are flatter."""
    from claimaudit import read, recorded_claims

    from tools.editions import NOTEBOOKS

    claims = {c.statement: c for c in recorded_claims(read(NOTEBOOKS / "12_sharpness_and_stability.ipynb"))}
    wanted = ["minima to that tolerance", "Both of SAM's minima are more than twice as flat as gradient descent's"]
    for words in wanted:
        found = [c for s, c in claims.items() if words in s]
        assert found and all(c.holds for c in found), words
