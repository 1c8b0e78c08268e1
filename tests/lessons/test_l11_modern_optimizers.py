"""Lesson 11: Lion, Muon, schedule-free SGD and WSD equal the implementations people train with, in
float64 over many steps (non-default hyper-parameters, non-zero state); correct solutions written
differently get full marks; every catalogued mistake is named whatever the order of the catalogue.

The outside implementations are the development pins of pyproject.toml: ``lion_pytorch.Lion``,
``schedulefree.SGDScheduleFreeReference`` and torch's own ``torch.optim.Muon`` and
``CosineAnnealingLR``. Where the spec and a package differ, the spec wins for the student's function
and the test says how the package is driven to match.
"""
from __future__ import annotations

import inspect
import math
import random

import lion_pytorch
import numpy as np
import pytest
import schedulefree
import torch

from coursegrader.grading import evaluate, get_exercise
from coursegrader.reference.optim.lion import lion_step
from coursegrader.reference.optim.muon import muon_step, newton_schulz
from coursegrader.reference.optim.schedule_free import schedule_free_sgd_step
from coursegrader.reference.schedules import warmup_cosine, wsd_schedule

EXERCISES = ["lion_step", "newton_schulz", "muon_step", "wsd_schedule", "schedule_free_sgd_step"]
N_STEPS = 60


def _gradients(seed, shape, n=N_STEPS):
    rng = np.random.default_rng(seed)
    scale = np.geomspace(2.0, 0.1, n).reshape(-1, *([1] * len(shape)))
    return rng.normal(size=shape), scale * rng.normal(size=(n, *shape))


def _drive(opt, pt, grads, step, hyper, params):
    """Run the torch optimizer and the functional step side by side; compare after every step."""
    state = {}
    for t, g in enumerate(grads, 1):
        pt.grad = torch.tensor(g)
        opt.step()
        g_before = g.copy()
        frozen = {k: v.copy() for k, v in state.items() if isinstance(v, np.ndarray)}
        params, state_new = step(params, g, state, **hyper)
        np.testing.assert_array_equal(g, g_before)  # inputs untouched, the state's arrays included
        for k, v in frozen.items():
            np.testing.assert_array_equal(state[k], v)
        state = state_new
        np.testing.assert_allclose(params, pt.detach().numpy(), atol=1e-10, rtol=1e-8, err_msg=f"step {t}")
    return params, state


# --- Lion ---------------------------------------------------------------------------------------

LION = [{}, {"lr": 0.01}, {"lr": 0.003, "betas": (0.8, 0.95), "weight_decay": 0.5},
        {"lr": 0.05, "betas": (0.95, 0.9), "weight_decay": 2.0}]


@pytest.mark.parametrize("hyper", LION, ids=str)
def test_lion_matches_lion_pytorch(hyper):
    # lion_pytorch.Lion with its defaults: decoupled_weight_decay=False means the decay is
    # params * (1 - lr * weight_decay), the spec's; use_triton=False is the plain torch update.
    p0, grads = _gradients(7, (4, 5))
    grads[3][1, 2] = 0.0
    pt = torch.tensor(p0.copy(), requires_grad=True)
    opt = lion_pytorch.Lion([pt], **hyper)
    _, state = _drive(opt, pt, grads, lion_step, hyper, p0.copy())
    assert set(state) == set(opt.state[pt]) == {"exp_avg"}
    np.testing.assert_allclose(state["exp_avg"], opt.state[pt]["exp_avg"].numpy(), atol=1e-12, rtol=1e-10)


def test_lion_moves_every_coordinate_by_lr_and_sign_zero_is_zero():
    p = np.array([1.0, -1.0, 0.0, 5.0])
    new, state = lion_step(p, np.array([3.0, -1e-9, 0.0, 1e6]), {}, lr=0.1)
    np.testing.assert_allclose(new - p, [-0.1, 0.1, 0.0, -0.1])  # the size of the gradient does not matter
    np.testing.assert_allclose(state["exp_avg"], 0.01 * np.array([3.0, -1e-9, 0.0, 1e6]))


def test_lion_defaults_are_lion_pytorchs():
    ours = {k: v.default for k, v in inspect.signature(lion_step).parameters.items() if v.kind is v.KEYWORD_ONLY}
    theirs = inspect.signature(lion_pytorch.Lion.__init__).parameters
    assert all(theirs[k].default == v for k, v in ours.items()), ours
    # the package's other options are not the spec's: no Triton kernel, no lr-independent decay
    assert theirs["use_triton"].default is False and theirs["decoupled_weight_decay"].default is False


# --- Muon ---------------------------------------------------------------------------------------

@pytest.fixture
def muon_in_float64(monkeypatch):
    """torch.optim.Muon with its Newton–Schulz iteration in float64, in this test only.

    torch 2.13's ``torch/optim/_muon.py`` casts the direction with ``grad.bfloat16()`` and runs the
    iteration in that dtype. Making ``Tensor.bfloat16`` return a float64 copy (a copy: the iteration
    divides it in place) runs torch's own code, unchanged, in float64: the normalisation
    (``norm().clamp(min=eps)``), the ``addmm`` calls with torch's coefficients and the transposes.
    ``calls`` counts the casts, so a test can prove the patched path ran.
    """
    calls = []
    original = torch.Tensor.bfloat16

    def as_float64(self, *args, **kwargs):
        calls.append(self.dtype)
        return self.clone() if self.dtype == torch.float64 else original(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "bfloat16", as_float64)
    return calls


MUON = [({}, (6, 4)), ({}, (4, 6)),
        ({"lr": 0.02, "weight_decay": 0.05, "momentum": 0.9}, (5, 5)),
        ({"lr": 0.05, "nesterov": False, "ns_steps": 3}, (7, 3)),
        ({"lr": 0.01, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.2}, (8, 3)),
        ({"lr": 0.01, "adjust_lr_fn": "original", "ns_coefficients": (2.0, -1.5, 0.5), "eps": 1e-3}, (3, 8))]


@pytest.mark.parametrize("hyper, shape", MUON, ids=str)
def test_muon_matches_torch_with_its_iteration_in_float64(muon_in_float64, hyper, shape):
    p0, grads = _gradients(11, shape, n=40)
    pt = torch.tensor(p0.copy(), requires_grad=True)
    opt = torch.optim.Muon([pt], **hyper)
    _, state = _drive(opt, pt, grads, muon_step, hyper, p0.copy())
    assert muon_in_float64 == [torch.float64] * 40, "torch's iteration ran on the float64 path"
    assert set(state) == set(opt.state[pt]) == {"momentum_buffer"}
    np.testing.assert_allclose(state["momentum_buffer"], opt.state[pt]["momentum_buffer"].numpy(),
                               atol=1e-12, rtol=1e-10)


def test_torchs_bfloat16_iteration_is_about_a_percent_off():
    """Without the patch torch's update differs from the float64 one by bfloat16's rounding (8 bits of
    mantissa, about 0.4% per operation): the lesson measures that gap; here it is bounded both ways so
    that the float64 test above could not pass by accident on the bfloat16 path."""
    p0, grads = _gradients(12, (6, 4), n=1)
    pt = torch.tensor(np.zeros((6, 4)), requires_grad=True)
    opt = torch.optim.Muon([pt], lr=1.0, weight_decay=0.0, momentum=0.0, nesterov=False)
    pt.grad = torch.tensor(grads[0])
    opt.step()
    O_bf16 = -pt.detach().numpy() / math.sqrt(6 / 4)
    O_64 = newton_schulz(grads[0])
    rel = np.linalg.norm(O_bf16 - O_64) / np.linalg.norm(O_64)
    assert 1e-3 < rel < 5e-2, rel


@pytest.mark.parametrize("shape, kw", [((8, 5), {}), ((5, 8), {"steps": 3}), ((6, 6), {"coefficients": (1.5, -0.5, 0.0)}),
                                       ((4, 9), {"steps": 0, "eps": 10.0}), ((3, 3), {"steps": 7})])
def test_newton_schulz_is_torchs_private_iteration_in_float64(muon_in_float64, shape, kw):
    from torch.optim._muon import _zeropower_via_newtonschulz

    G = np.random.default_rng(13).normal(size=shape)
    ours = newton_schulz(G, **kw)
    theirs = _zeropower_via_newtonschulz(torch.tensor(G), kw.get("coefficients", (3.4445, -4.775, 2.0315)),
                                         kw.get("steps", 5), kw.get("eps", 1e-7))
    assert theirs.dtype == torch.float64 and muon_in_float64 == [torch.float64]
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12, rtol=1e-10)


def test_newton_schulz_puts_the_singular_values_in_a_band_around_one():
    G = np.random.default_rng(14).normal(size=(64, 32))
    s = np.linalg.svd(newton_schulz(G), compute_uv=False)
    assert 0.6 < s.min() and s.max() < 1.25 and np.abs(s - 1).max() > 0.05  # near 1, not exactly 1
    U, _, Vt = np.linalg.svd(G, full_matrices=False)
    assert np.linalg.norm(newton_schulz(G, steps=60, coefficients=(1.5, -0.5, 0.0)) - U @ Vt) < 1e-8


def test_muon_defaults_are_torchs():
    ours = {k: v.default for k, v in inspect.signature(muon_step).parameters.items() if v.kind is v.KEYWORD_ONLY}
    theirs = inspect.signature(torch.optim.Muon.__init__).parameters
    assert all(theirs[k].default == v for k, v in ours.items() if k != "ns_coefficients"), ours
    np.testing.assert_allclose(ours["ns_coefficients"], theirs["ns_coefficients"].default, rtol=0, atol=0)


def test_muon_buffer_form_matters_only_below_eps():
    """Muon's averaged buffer and SGD's sum point the same way: Newton–Schulz's normalisation removes the
    factor, except where the direction's norm is below eps (what the catalogue's sgd_momentum_buffer
    case relies on)."""
    sgd = get_exercise("muon_step").mistakes
    sgd_form = next(m.fn for m in sgd if m.name == "sgd_momentum_buffer")
    for scale, same in ((1.0, True), (1e-10, False)):
        p0, grads = _gradients(15, (4, 3), n=10)
        a, sa, b, sb = p0, {}, p0, {}
        for g in grads:
            a, sa = muon_step(a, scale * g, sa)
            b, sb = sgd_form(b, scale * g, sb)
        assert np.allclose(a, b, atol=1e-12, rtol=1e-10) == same


# --- schedule-free SGD ---------------------------------------------------------------------------

SCHEDULE_FREE = [{}, {"lr": 0.1, "momentum": 0.5},
                 {"lr": 0.3, "momentum": 0.8, "weight_decay": 0.1, "warmup_steps": 7, "r": 1.5, "weight_lr_power": 1.0},
                 {"lr": 0.05, "momentum": 0.95, "weight_decay": 0.01, "warmup_steps": 100, "r": 2.0}]


@pytest.mark.parametrize("hyper", SCHEDULE_FREE, ids=str)
def test_schedule_free_matches_the_reference_implementation(hyper):
    # SGDScheduleFreeReference keeps x, y and z per parameter and the schedule (k, lr_max,
    # weight_sum) per group; it must be in train mode to step, and eval() loads x into the parameter.
    p0, grads = _gradients(21, (3, 4))
    pt = torch.tensor(p0.copy(), requires_grad=True)
    opt = schedulefree.SGDScheduleFreeReference([pt], **hyper)
    opt.train()
    _, state = _drive(opt, pt, grads, schedule_free_sgd_step, hyper, p0.copy())
    theirs, group = opt.state[pt], opt.param_groups[0]
    for key in ("x", "z"):
        np.testing.assert_allclose(state[key], theirs[key].numpy(), atol=1e-10, rtol=1e-8, err_msg=key)
    assert state["k"] == group["k"] == N_STEPS
    assert state["weight_sum"] == pytest.approx(group["weight_sum"], rel=1e-12)
    assert state["lr_max"] == group["lr_max"]
    opt.eval()  # the point to evaluate is x
    np.testing.assert_allclose(pt.detach().numpy(), state["x"], atol=1e-10, rtol=1e-8)


def test_schedule_free_without_warmup_averages_the_zs_uniformly():
    p0, grads = _gradients(22, (5,), n=30)
    y, state, zs = p0, {}, []
    for g in grads:
        y, state = schedule_free_sgd_step(y, g, state, lr=0.1)
        zs.append(state["z"])
    np.testing.assert_allclose(state["x"], np.mean(zs, axis=0), atol=1e-12, rtol=1e-10)


def test_schedule_free_defaults_are_the_references():
    ours = {k: v.default for k, v in inspect.signature(schedule_free_sgd_step).parameters.items()
            if v.kind is v.KEYWORD_ONLY}
    theirs = inspect.signature(schedulefree.SGDScheduleFreeReference.__init__).parameters
    assert all(theirs[k].default == v for k, v in ours.items()), ours


# --- WSD ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("T, lr0, min_lr", [(200, 0.1, 0.0), (37, 0.5, 0.01), (1, 1.0, 0.1)])
def test_wsd_cosine_without_warmup_or_plateau_is_cosine_annealing(T, lr0, min_lr):
    pt = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([pt], lr=lr0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T, eta_min=min_lr)
    for t in range(T + 1):  # torch's schedule is periodic after T_max; WSD stays at min_lr
        assert wsd_schedule(lr0, 0, 0, T, t, min_lr=min_lr, shape="cosine") == pytest.approx(
            opt.param_groups[0]["lr"], rel=1e-10, abs=1e-14), t
        opt.step()
        sched.step()


def test_wsd_without_plateau_is_lesson_02s_warmup_cosine():
    for t in range(0, 130):
        assert wsd_schedule(0.3, 20, 0, 100, t, min_lr=0.01, shape="cosine") == pytest.approx(
            warmup_cosine(0.3, 20, 120, t, min_lr=0.01), rel=1e-12, abs=1e-15)


def test_wsd_phases():
    lrs = [wsd_schedule(1.0, 4, 10, 6, t, min_lr=0.1) for t in range(25)]
    assert lrs[:5] == [0.0, 0.25, 0.5, 0.75, 1.0] and set(lrs[4:15]) == {1.0}
    assert lrs[14] == 1.0 and lrs[15] < 1.0 and lrs[20] == lrs[24] == 0.1
    one_minus_sqrt = [wsd_schedule(1.0, 0, 0, 4, t, shape="1-sqrt") for t in range(5)]
    np.testing.assert_allclose(one_minus_sqrt, [1.0, 0.5, 1 - math.sqrt(0.5), 1 - math.sqrt(0.75), 0.0])


@pytest.mark.parametrize("args, kwargs, words", [
    ((0.1, -1, 10, 5, 3), {}, "warmup"), ((0.1, 3, -1, 5, 3), {}, "stable"), ((0.1, 3, 10, 0, 3), {}, "decay"),
    ((0.1, 3, 10, 5, -1), {}, "t="), ((0.1, 3, 10, 5, 3), {"shape": "exp"}, "shape")])
def test_wsd_bad_input_says_what_was_wrong(args, kwargs, words):
    with pytest.raises(ValueError, match=words):
        wsd_schedule(*args, **kwargs)


def test_bad_input_messages_name_the_problem():
    with pytest.raises(ValueError, match="2-D"):
        newton_schulz(np.ones(3))
    with pytest.raises(ValueError, match="steps"):
        newton_schulz(np.eye(2), steps=100)
    with pytest.raises(ValueError, match="2-D"):
        muon_step(np.ones(4), np.ones(4), {})
    with pytest.raises(ValueError, match="adjust_lr_fn"):
        muon_step(np.ones((2, 2)), np.ones((2, 2)), {}, adjust_lr_fn="adam")


# --- correct variants get full marks ---------------------------------------------------------------

def lion_loops(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    new = params.copy()
    m = state["m"].copy() if "m" in state else np.zeros_like(params)
    for i in np.ndindex(params.shape):
        c = betas[0] * m[i] + (1 - betas[0]) * grad[i]
        step = 1.0 if c > 0 else -1.0 if c < 0 else 0.0
        new[i] = new[i] - lr * weight_decay * new[i] - lr * step
        m[i] = betas[1] * m[i] + (1 - betas[1]) * grad[i]
    return new, {"m": m}  # another key for the moment: only values are graded


def newton_schulz_right_gram(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    """No transpose: for a tall X the iteration is written with the Gram matrix on the right,
    X (a + b X^T X + c (X^T X)^2), algebraically the same polynomial."""
    if np.ndim(G) != 2 or not 0 <= steps < 100:
        raise ValueError("G must be 2-D and 0 <= steps < 100")
    a, b, c = coefficients
    X = np.array(G, dtype=np.float64)
    X /= max(np.sqrt(np.sum(X * X)), eps)
    for _ in range(steps):
        if X.shape[0] > X.shape[1]:
            S = X.T @ X
            X = a * X + X @ (b * S + c * S @ S)
        else:
            S = X @ X.T
            X = a * X + (b * S + c * S @ S) @ X
    return X


def newton_schulz_torch(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    """The same iteration with torch tensors in float64 (addmm, as torch writes it)."""
    G = np.asarray(G)
    if G.ndim != 2 or not 0 <= steps < 100:
        raise ValueError("G must be 2-D and 0 <= steps < 100")
    X = torch.tensor(G, dtype=torch.float64)
    tall = X.shape[0] > X.shape[1]
    X = X.T if tall else X
    X = X / X.norm().clamp(min=eps)
    a, b, c = coefficients
    for _ in range(steps):
        A = X @ X.T
        X = torch.addmm(X, torch.addmm(A, A, A, beta=b, alpha=c), X, beta=a)
    return (X.T if tall else X).numpy()


def muon_lerp(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
              ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    """torch's lerp form of the buffer, and the learning-rate adjustment written as a table."""
    if np.ndim(params) != 2:
        raise ValueError("params must be 2-D")
    A, B = np.shape(params)
    ratios = {None: math.sqrt(max(1, A / B)), "original": math.sqrt(max(1, A / B)),
              "match_rms_adamw": 0.2 * math.sqrt(max(A, B))}
    if adjust_lr_fn not in ratios:
        raise ValueError(f"unknown adjust_lr_fn {adjust_lr_fn}")
    buf = state.get("momentum_buffer", np.zeros_like(params))
    buf = buf + (1 - momentum) * (grad - buf)
    direction = grad + momentum * (buf - grad) if nesterov else buf
    ortho = newton_schulz_right_gram(direction, steps=ns_steps, coefficients=ns_coefficients, eps=eps)
    new = params - lr * weight_decay * params - lr * ratios[adjust_lr_fn] * ortho
    return new, {"momentum_buffer": buf, "step": state.get("step", 0) + 1}


def wsd_piecewise(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    if min(warmup, stable, t) < 0 or decay < 1 or shape not in ("linear", "cosine", "1-sqrt"):
        raise ValueError("bad schedule")
    end_of_plateau = warmup + stable
    if t >= end_of_plateau + decay:
        return min_lr
    if t >= end_of_plateau:
        f = (t - end_of_plateau) / decay
        s = {"linear": lambda: 1 - f, "cosine": lambda: 0.5 + 0.5 * np.cos(np.pi * f),
             "1-sqrt": lambda: 1 - f ** 0.5}[shape]()
        return min_lr * (1 - s) + lr0 * s
    return lr0 * min(1.0, t / warmup) if warmup else lr0


def schedule_free_by_increments(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0,
                                r=0.0, weight_lr_power=2.0):
    """x moves towards z by c of the way; the weights kept as a list."""
    s = {k: (list(v) if isinstance(v, list) else v) for k, v in state.items()}
    k = len(s.get("weights", []))
    lr_k = lr * min(1.0, (k + 1) / warmup_steps) if warmup_steps else lr
    lr_max = max([lr_k] + s.get("lrs", []))
    weights = s.get("weights", []) + [(k + 1) ** r * lr_max ** weight_lr_power]
    total = sum(weights)
    c = weights[-1] / total if total else 0.0
    z = s.get("z", params) - lr_k * (grad + weight_decay * params)
    x = s.get("x", params)
    x = x + c * (z - x)
    y = x + (1 - momentum) * (z - x)
    return y, {"weights": weights, "lrs": s.get("lrs", []) + [lr_k], "z": z, "x": x}


@pytest.mark.parametrize("name, fn", [("lion_step", lion_loops), ("newton_schulz", newton_schulz_right_gram),
                                      ("newton_schulz", newton_schulz_torch), ("muon_step", muon_lerp),
                                      ("wsd_schedule", wsd_piecewise),
                                      ("schedule_free_sgd_step", schedule_free_by_increments)])
def test_correct_variants_get_full_marks(name, fn):
    for hidden in (False, True):
        ev = evaluate(name, fn, hidden=hidden)
        failures = [f"{r.case.label}: {r.problem}" for r in ev.results if not r.passed]
        assert not failures, failures
        assert ev.score == get_exercise(name).points


# --- the catalogue -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", EXERCISES)
def test_every_mistake_is_named_whatever_the_order_of_the_catalogue(name):
    """The verdict names the mistake matched on most failing cases; when two mistakes give the same
    wrong result on a case, the first in the list gets it. Each mistake must win on its own cases in
    any order (the order of a catalogue means nothing)."""
    ex = get_exercise(name)
    original = list(ex.mistakes)
    assert len(original) >= 4
    try:
        for order in (original[::-1], *(random.Random(seed).sample(original, len(original)) for seed in range(3))):
            ex.mistakes = order
            for mistake in original:
                ev = evaluate(name, mistake.fn)
                assert ev.score < ex.points, mistake.name
                assert ev.likely_mistake == mistake.name, (mistake.name, ev.mistakes)
    finally:
        ex.mistakes = original


def test_issue_named_mistakes_are_catalogued():
    named = {"lion_step": "moment_updated_before_sign", "newton_schulz": "no_normalisation",
             "muon_step": "sgd_momentum_buffer", "wsd_schedule": "decay_off_by_one",
             "schedule_free_sgd_step": "uniform_average"}
    for name, mistake in named.items():
        assert mistake in {m.name for m in get_exercise(name).mistakes}
    assert "unadjusted_lr" in {m.name for m in get_exercise("muon_step").mistakes}
    assert "warmup_off_by_one" in {m.name for m in get_exercise("wsd_schedule").mistakes}


def test_delegating_to_the_outside_packages_earns_nothing():
    def lion_by_package(params, grad, state, *, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        p = state.get("p") if state else torch.nn.Parameter(torch.tensor(params))
        opt = state.get("opt") if state else lion_pytorch.Lion([p], lr=lr, betas=betas, weight_decay=weight_decay)
        p.grad = torch.tensor(grad)
        opt.step()
        return p.detach().numpy().copy(), {"p": p, "opt": opt}

    ev = evaluate("lion_step", lion_by_package)
    assert ev.score == 0 and ev.delegated


def test_schedule_free_state_must_keep_x():
    def no_x(params, grad, state, **kw):
        new, s = schedule_free_by_increments(params, grad, state, **kw)
        return new, {k: v for k, v in s.items() if k != "x"} | {"average": s["x"]}

    ev = evaluate("schedule_free_sgd_step", no_x)
    assert ev.score == 0 and not ev.delegated
    assert "under the key 'x'" in ev.results[0].problem, ev.results[0].problem


# --- the lesson's kit: many MLPs side by side -------------------------------------------------------

def test_side_by_side_networks_are_independent_and_the_optimizer_is_the_only_difference():
    """A functional SGD step and torch.optim.SGD train the same networks identically (same starts, same
    minibatches); a checkpoint (copy) continues exactly as the original and leaves it untouched."""
    from coursekit.side_by_side import Trainer, functional, teacher_problem, torch_optimizer

    def sgd(params, grad, state, *, lr):
        return params - lr * grad, state

    problem = teacher_problem(n=64, seed=3)
    trainer = Trainer(problem, {"torch": torch_optimizer(torch.optim.SGD, lr=0.1),
                                "mine": functional(sgd, lr=0.1),
                                "mine, per matrix": functional(sgd, per_matrix=True, lr=0.1)},
                      seeds=(0, 1), hidden=(5,), batch=8)
    trainer.run(3)
    checkpoint = trainer.copy()
    trainer.run(4)
    for a, b, c in zip(*(trainer.weights[k] for k in ("torch", "mine", "mine, per matrix"))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=0, atol=1e-14)
        np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=0, atol=1e-14)
    assert not np.allclose(trainer.weights["torch"][0][0].detach().numpy(), trainer.weights["torch"][0][1].detach().numpy())
    assert checkpoint.t == 3 and trainer.t == 7
    checkpoint.run(4)
    for a, b in zip(trainer.weights["torch"], checkpoint.weights["torch"]):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    curves = trainer.curves()
    assert curves["torch"].shape == (7, 2) and np.allclose(curves["torch"], curves["mine"], rtol=0, atol=1e-12)


def test_a_checkpoint_of_some_configurations_continues_them_exactly():
    """copy(labels) keeps only those configurations (the lesson's WSD checkpoint): they go on exactly as in
    the full trainer (same minibatches), and an unknown label is an error, not a silent drop."""
    from coursekit.side_by_side import Trainer, functional, teacher_problem, torch_optimizer

    def sgd(params, grad, state, *, lr):
        return params - lr * grad, state

    trainer = Trainer(teacher_problem(n=64, seed=5), {"adamw": torch_optimizer(torch.optim.AdamW, lr=0.01),
                                                      "sgd": functional(sgd, lr=0.1),
                                                      "other": torch_optimizer(torch.optim.SGD, lr=0.1)},
                      seeds=(0, 1), hidden=(5,), batch=8).run(3)
    part = trainer.copy(["sgd", "adamw"])
    assert list(part.configs) == ["adamw", "sgd"] and set(part.weights) == set(part.history) == {"adamw", "sgd"}
    trainer.run(4)
    part.run(4)
    for label in ("adamw", "sgd"):
        for a, b in zip(trainer.weights[label], part.weights[label]):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with pytest.raises(KeyError, match="unknown"):
        trainer.copy(["adamw", "lion"])


def test_side_by_side_evaluates_schedule_free_at_x():
    from coursekit.side_by_side import Trainer, functional, teacher_problem

    trainer = Trainer(teacher_problem(n=64, seed=4), {"sf": functional(schedule_free_sgd_step, lr=1.0, evaluate_at="x")},
                      seeds=(0,), hidden=(5,), batch=8).run(5)
    at_x, at_y = trainer.evaluate()["sf"]["train"], trainer.evaluate(at_params=True)["sf"]["train"]
    assert at_x.shape == (1,) and at_x[0] != at_y[0]


def test_the_teacher_problem_keeps_its_clean_labels_and_logits_agree_with_evaluate():
    """teacher_problem's y_clean are the teacher's labels: y differs from them only where a label was
    replaced (a replacement is right a quarter of the time with 4 classes, so about 7.5% of 10% differ);
    Trainer.logits gives the outputs evaluate() scores (same loss and accuracy)."""
    from coursekit.side_by_side import Trainer, teacher_problem, torch_optimizer

    problem = teacher_problem(n=4000, noise=0.1, seed=1)
    wrong = (problem.y != problem.y_clean).double().mean().item()
    assert 0.06 < wrong < 0.09 and torch.equal(teacher_problem(n=4000, noise=0.0, seed=1).y, problem.y_clean)
    assert (problem.y_test != problem.y_test_clean).any()
    small = teacher_problem(n=64, seed=2)
    trainer = Trainer(small, {"sgd": torch_optimizer(torch.optim.SGD, lr=0.1)}, seeds=(0, 1), hidden=(5,), batch=8).run(3)
    out = torch.from_numpy(trainer.logits(small.X_test)["sgd"])  # (2, 64, 4)
    scores = trainer.evaluate()["sgd"]
    loss = torch.stack([torch.nn.functional.cross_entropy(o, small.y_test) for o in out]).numpy()
    np.testing.assert_allclose(loss, scores["test"], rtol=1e-12)
    np.testing.assert_allclose((out.argmax(-1) == small.y_test).double().mean(1).numpy(), scores["accuracy"])


def test_the_state_table_without_lion_pytorch_and_schedulefree_says_what_it_did_not_measure():
    """Lesson 11's state table in a kernel with the student package alone (neither lion_pytorch nor
    schedulefree importable): Lion's and schedule-free SGD's rows come from the student's functions and
    say 'not measured', the Lion claim says its count is the student's lion_step's, and the two
    schedulefree sentences are reported as not measured, not ticked. The lesson is cut to the table's
    cells and what they read (the grader's cellflow analysis)."""
    import nbformat

    from coursegrader.grading.cellflow import needed_cells
    from tools.editions import NOTEBOOKS, reading_edition, source_path

    from helpers import execute

    nb = reading_edition(nbformat.read(source_path("11_modern_optimizers"), as_version=4))
    cells = [dict(c, metadata={k: v for k, v in c.metadata.items() if k != "nbgrader"}) for c in nb.cells]
    table = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and "TABLE" in c["source"]]
    assert len(table) == 2  # the table, and its claims
    for i in table:
        cells[i]["metadata"]["nbgrader"] = {"locked": True}  # cells the analysis must keep
    keep = needed_cells(cells, cells)
    block = "import sys\nsys.modules['lion_pytorch'] = None\nsys.modules['schedulefree'] = None"
    nb.cells = [nbformat.v4.new_code_cell(block)] + [c for i, c in enumerate(nb.cells) if i in keep]
    done = execute(nb, NOTEBOOKS, timeout=600)
    errors = [o for c in done.cells if c["cell_type"] == "code" for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors[0]["evalue"]
    shown = "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                      for c in done.cells if c["cell_type"] == "code" and "TABLE" in c["source"]
                      for o in c["outputs"])
    rows = {line.split("  ")[0]: line for line in shown.splitlines()}
    assert {"Lion", "schedule-free SGD"} <= rows.keys(), shown  # the old table had neither row
    assert "not measured" in rows["Lion"] and "lion-pytorch" in rows["Lion"], shown
    assert "not measured" in rows["schedule-free SGD"] and "schedulefree" in rows["schedule-free SGD"], shown
    assert "✓ Momentum, Lion and Muon keep one value per weight" in shown and "from your lion_step" in shown, shown
    assert "– not measured: the two sentences below on the state of schedulefree's optimizers" in shown, shown
    assert "SGDScheduleFreeReference" not in shown.replace("not measured: the two", ""), shown
