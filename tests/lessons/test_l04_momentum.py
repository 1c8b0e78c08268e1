"""Lesson 04: sgd_momentum_step equals torch.optim.SGD for every option over many steps (lr changes
included); heavy ball equals torch's momentum for a constant lr and differs by the ratio of learning
rates when lr changes; correct variants earn full marks at every stage."""
import itertools

import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate
from coursegrader.reference.optim.momentum import heavy_ball_step, sgd_momentum_step
from coursekit.functions import quadratic_grad

H = np.diag([1.0, 25.0])

OPTIONS = [dict(momentum=m, dampening=d, weight_decay=wd, nesterov=n)
           for m, d, wd, n in itertools.product([0.0, 0.5, 0.9, 0.99], [0.0, 0.3], [0.0, 0.05], [False, True])
           if not (n and (m == 0 or d != 0))]


def torch_sgd_run(p0, grads, lrs, **options):
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lrs[0], **options)
    rows = []
    for g, lr in zip(grads, lrs):
        opt.param_groups[0]["lr"] = lr
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        rows.append(p.detach().numpy().copy())
    state = opt.state[p]
    buf = state.get("momentum_buffer")
    return np.array(rows), None if buf is None else buf.numpy().copy()


def ours_run(p0, grads, lrs, **options):
    p, state, rows = p0, {}, []
    for g, lr in zip(grads, lrs):
        p, state = sgd_momentum_step(p, g, state, lr=lr, **options)
        rows.append(p)
    return np.array(rows), state.get("momentum_buffer")


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_equals_torch_sgd_over_many_steps(options):
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) for _ in range(60)]
    for lrs in ([0.01] * 60, list(rng.uniform(0.001, 0.1, size=60))):  # constant, then changing lr
        ours, buf = ours_run(p0, grads, lrs, **options)
        theirs, tbuf = torch_sgd_run(p0, grads, lrs, **options)
        np.testing.assert_allclose(ours, theirs, atol=1e-10, rtol=1e-8)
        if options["momentum"] == 0:
            assert buf is None and tbuf is None
        else:
            np.testing.assert_allclose(buf, tbuf, atol=1e-10, rtol=1e-8)


def test_defaults_state_and_inputs():
    p0, g = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    p1, state = sgd_momentum_step(p0, g, {})
    np.testing.assert_allclose(p1, p0 - 1e-3 * g)  # torch's default lr is 1e-3
    assert state == {}
    p1, state = sgd_momentum_step(p0, g, {}, lr=0.1, momentum=0.9, dampening=0.5)
    np.testing.assert_array_equal(state["momentum_buffer"], g)  # first step: buffer = grad, no dampening
    state_before = {"momentum_buffer": state["momentum_buffer"].copy()}
    sgd_momentum_step(p1, g, state, lr=0.1, momentum=0.9)
    np.testing.assert_array_equal(state["momentum_buffer"], state_before["momentum_buffer"])
    np.testing.assert_array_equal(p0, [1.0, 2.0])
    with pytest.raises(ValueError):
        sgd_momentum_step(p0, g, {}, momentum=0.9, dampening=0.1, nesterov=True)


def test_heavy_ball_equals_torch_momentum_for_a_constant_lr():
    grad = lambda w: quadratic_grad(w, H)  # noqa: E731
    for beta, lr in [(0.5, 0.03), (0.9, 0.03), (0.99, 0.01)]:
        w_prev = w = np.array([10.0, 1.0])
        p, state = w.copy(), {}
        for _ in range(200):
            w, w_prev = heavy_ball_step(w, w_prev, grad(w), lr=lr, beta=beta), w
            p, state = sgd_momentum_step(p, grad(p), state, lr=lr, momentum=beta)
            np.testing.assert_allclose(w, p, atol=1e-10, rtol=1e-8)


def test_heavy_ball_differs_when_lr_changes_by_the_ratio_of_rates():
    grad = lambda w: quadratic_grad(w, H)  # noqa: E731
    lrs = [0.03] * 10 + [0.003] * 10
    w_prev = w = np.array([10.0, 1.0])
    p, state = w.copy(), {}
    hb_scaled_prev = hb_scaled = w.copy()
    gap = []
    for t, lr in enumerate(lrs):
        ratio = lr / lrs[t - 1] if t > 0 else 1.0
        w, w_prev = heavy_ball_step(w, w_prev, grad(w), lr=lr, beta=0.9), w
        # torch's buffer holds gradients: its velocity is rescaled by lr_t / lr_{t-1}
        hb_scaled, hb_scaled_prev = heavy_ball_step(hb_scaled, hb_scaled_prev, grad(hb_scaled), lr=lr,
                                                    beta=0.9 * ratio), hb_scaled
        p, state = sgd_momentum_step(p, grad(p), state, lr=lr, momentum=0.9)
        np.testing.assert_allclose(hb_scaled, p, atol=1e-10, rtol=1e-8)
        gap.append(np.abs(w - p).max())
    assert max(gap[:10]) < 1e-12 and gap[10] > 0.1


def test_momentum_does_not_zig_zag_in_the_ravine():
    grad = lambda w: quadratic_grad(w, H)  # noqa: E731
    gd, mom, state = np.array([10.0, 1.0]), np.array([10.0, 1.0]), {}
    gd_path, mom_path = [gd], [mom]
    for _ in range(100):
        gd, _ = sgd_momentum_step(gd, grad(gd), {}, lr=0.075)
        mom, state = sgd_momentum_step(mom, grad(mom), state, lr=0.075 / 4, momentum=0.8)
        gd_path.append(gd)
        mom_path.append(mom)
    gd_flips = np.sum(np.diff(np.sign(np.array(gd_path)[:, 1])) != 0)
    assert gd_flips > 50  # plain GD flips the sign of x2 (almost) every step
    assert 0.5 * mom @ H @ mom < 0.5 * gd @ H @ gd


# --- correct variants earn full marks at every stage ----------------------------------------

def step_inplace(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    p = params.copy()
    g = grad + weight_decay * p if weight_decay else grad.copy()
    if momentum:
        if "momentum_buffer" in state:
            buf = state["momentum_buffer"].copy()
            buf *= momentum
            buf += (1 - dampening) * g
        else:
            buf = g.copy()
        state["momentum_buffer"] = buf  # state mutated in place and returned
        g = g + momentum * buf if nesterov else buf
    p -= lr * g
    return p, state


def step_torch_style_closed_form(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0,
                                 weight_decay=0.0, nesterov=False):
    g = np.add(grad, weight_decay * params)
    if momentum == 0:
        return params - lr * g, {}
    old = state.get("momentum_buffer")
    buf = g if old is None else momentum * old + (1 - dampening) * g
    if nesterov:  # g + m * (m * b_old + g) = (1 + m) g + m^2 b_old, written out (dampening is 0)
        direction = (1 + momentum) * g + (momentum ** 2 * old if old is not None else 0.0)
    else:
        direction = buf
    return params - lr * direction, {"momentum_buffer": np.array(buf)}


def hb_written_out(params, prev_params, grad, *, lr, beta):
    return (1 + beta) * params - beta * prev_params - lr * grad


@pytest.mark.parametrize("name", ["sgd_momentum_step[momentum]", "sgd_momentum_step[nesterov]", "sgd_momentum_step"])
@pytest.mark.parametrize("fn", [step_inplace, step_torch_style_closed_form])
def test_correct_steps_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_correct_heavy_ball_gets_full_marks():
    ev = evaluate("heavy_ball_step", hb_written_out)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_delegating_to_torch_earns_nothing():
    def via_torch(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        p = torch.tensor(params, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                              nesterov=nesterov)
        if "momentum_buffer" in state:
            opt.state[p]["momentum_buffer"] = torch.tensor(state["momentum_buffer"])
        p.grad = torch.tensor(grad)
        opt.step()
        new = {k: v.numpy().copy() for k, v in opt.state[p].items()}
        return p.detach().numpy().copy(), new

    ev = evaluate("sgd_momentum_step", via_torch)
    assert ev.score == 0 and ev.delegated
