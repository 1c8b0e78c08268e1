"""Lesson 05 (adaptive optimizers): cases and known mistakes.

Every optimizer is run from ``{}`` over a sequence of gradients (``optimizer_steps``) and the
whole trajectory is compared. Each mistake is a self-contained wrong variant written here, never
a call to the reference.
"""
from __future__ import annotations

import importlib
import math

import numpy as np
import torch

from coursegrader.grading import Case, Exercise, Mistake, optimizer_steps, register
from coursegrader.reference.optim.adadelta import adadelta_step
from coursegrader.reference.optim.adagrad import adagrad_step
from coursegrader.reference.optim.adam import adam_step, adamw_step
from coursegrader.reference.optim.rmsprop import rmsprop_step
from coursegrader.reference.optim.yogi import yogi_step
from coursegrader.reference.rosenbrock import rosenbrock_grad

LESSON = "05_adaptive_optimizers"


def _torch_functional(name):
    """torch's functional optimizer ``torch.optim.<name>.<name>`` (the submodule is not an attribute)."""
    return getattr(importlib.import_module(f"torch.optim.{name}"), name)


# --- gradients and cases shared by the six optimizers ----------------------------------------

def _fixed():
    """Three hand-written gradients for a 3-parameter vector (visible cases)."""
    return np.array([1.0, -2.0, 0.5]), [np.array([0.5, -1.0, 2.0]), np.array([0.2, 0.3, -1.5]),
                                        np.array([-0.4, 0.8, 1.0])]


def _random(seed, n, shape=(3, 4), scale=1.0, shrinking=False):
    """``n`` random gradients; ``shrinking`` makes them decay 30x (the second moment then falls)."""
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=shape)
    grads = scale * rng.normal(size=(n, *shape))
    if shrinking:
        grads *= np.geomspace(3.0, 0.1, n).reshape(-1, *([1] * len(shape)))
    return p0, list(grads)


def _sparse(seed, n, d=8, density=0.2):
    """Gradients that are 0 most of the time (rare features)."""
    rng = np.random.default_rng(seed)
    grads = rng.normal(size=(n, d)) * (rng.random((n, d)) < density)
    return rng.normal(size=d), list(grads)


def _rb100(x):
    return rosenbrock_grad(x, b=100.0)


def _visible(options):
    """Fixed 3-step cases: the defaults, then each ``(label, kwargs)`` of ``options``."""
    p0, grads = _fixed()
    cases = [Case("defaults, params (1, -2, 0.5), 3 fixed gradients", (p0, grads))]
    for label, kw in options:
        cases.append(Case(f"{label}, params (1, -2, 0.5), 3 fixed gradients", (p0, grads), kw))
    return cases


def _hidden(options, seed, tiny=True):
    """Hidden cases: defaults over 60 random steps, every option over 30-60 steps, Rosenbrock,
    sparse and tiny/large gradients, a zero gradient."""
    cases = [Case("defaults, 60 random steps, params (3, 4)", _random(seed, 60)),
             Case("defaults, 40 steps of shrinking gradients", _random(seed + 1, 40, shrinking=True))]
    for i, (label, kw) in enumerate(options):
        cases.append(Case(f"{label}, 50 random steps", _random(seed + 10 + i, 50, shape=(5,)), kw))
    cases.append(Case("defaults, 30 sparse gradients (80% zeros)", _sparse(seed + 2, 30)))
    if tiny:
        cases.append(Case("defaults, 20 tiny gradients (1e-7): eps matters",
                          _random(seed + 3, 20, shape=(4,), scale=1e-7)))
    cases.append(Case("defaults, 15 large gradients (1e4)", _random(seed + 4, 15, shape=(4,), scale=1e4)))
    cases.append(Case("zero gradient, 5 steps", (np.array([0.5, -1.5]), [np.zeros(2)] * 5)))
    return cases


def _rosenbrock_case(label, kw, n=100):
    return Case(f"Rosenbrock (b=100) from (-1.2, 1), {n} steps, {label}", (np.array([-1.2, 1.0]), _rb100),
                {**kw, "n_steps": n})


# --- adagrad ---------------------------------------------------------------------------------

def _adagrad(params, grad, state, lr, lr_decay, weight_decay, init, eps, *, decay_from_one=False,
             eps_inside=False, ignore_init=False, wd_after_sum=False):
    p = np.asarray(params, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, 0.0 if ignore_init else init))
    g_sum = np.asarray(grad, dtype=np.float64)
    g = g_sum + weight_decay * p
    acc = acc + (g_sum * g_sum if wd_after_sum else g * g)
    clr = lr / (1 + (t if decay_from_one else t - 1) * lr_decay)
    denom = np.sqrt(acc + eps) if eps_inside else np.sqrt(acc) + eps
    return p - clr * g / denom, {"step": t, "sum": acc}


def _adagrad_mistake(**flags):
    def step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
             eps=1e-10):
        return _adagrad(params, grad, state, lr, lr_decay, weight_decay, initial_accumulator_value, eps, **flags)
    return step


_ADAGRAD_OPTIONS = [("lr=0.1, lr_decay=0.1", {"lr": 0.1, "lr_decay": 0.1}),
                    ("initial_accumulator_value=0.5, weight_decay=0.1",
                     {"initial_accumulator_value": 0.5, "weight_decay": 0.1})]


def _adagrad_hidden():
    cases = _hidden([("lr=0.05, lr_decay=0.01", {"lr": 0.05, "lr_decay": 0.01}),
                     ("weight_decay=0.3", {"weight_decay": 0.3}),
                     ("initial_accumulator_value=0.1, eps=1e-3", {"initial_accumulator_value": 0.1, "eps": 1e-3}),
                     ("every option: lr=0.2, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=1, eps=1e-6",
                      {"lr": 0.2, "lr_decay": 0.05, "weight_decay": 0.05, "initial_accumulator_value": 1.0,
                       "eps": 1e-6})], seed=500)
    # with the default eps=1e-10, sqrt(sum + eps) and sqrt(sum) + eps only differ for tiny sums
    cases.append(Case("defaults, 10 gradients of 1e-9: eps sits outside the sqrt",
                      _random(509, 10, shape=(3,), scale=1e-9)))
    cases.append(_rosenbrock_case("lr=0.5", {"lr": 0.5}))
    return cases


register(Exercise(
    name="adagrad_step", lesson=LESSON, reference=adagrad_step, points=3, run=optimizer_steps,
    visible=lambda: _visible(_ADAGRAD_OPTIONS), hidden=_adagrad_hidden,
    forbidden=[torch.optim.Adagrad.step, _torch_functional("adagrad")],
    mistakes=[
        Mistake("lr_decay_from_one", "lr_decay uses the step counted after the increment: torch's rate is "
                "lr / (1 + (t - 1) * lr_decay) with t = 1 on the first call (no decay on the first step)",
                _adagrad_mistake(decay_from_one=True)),
        Mistake("eps_inside_sqrt", "eps is inside the square root; Adagrad divides by sqrt(sum) + eps",
                _adagrad_mistake(eps_inside=True)),
        Mistake("ignores_initial_accumulator", "the accumulator starts at 0 whatever "
                "initial_accumulator_value says; it starts at initial_accumulator_value",
                _adagrad_mistake(ignore_init=True)),
        Mistake("weight_decay_not_accumulated", "weight decay is added to the update but not to the gradient "
                "that is squared into the sum: fold it in first, g = grad + weight_decay * params",
                _adagrad_mistake(wd_after_sum=True)),
    ]))


# --- rmsprop ---------------------------------------------------------------------------------

def _rmsprop(params, grad, state, lr, alpha, eps, weight_decay, momentum, centered, *, eps_inside=False,
             centered_no_subtract=False, alpha_swapped=False, momentum_raw_grad=False, ignore_wd=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay != 0 and not ignore_wd:
        g = g + weight_decay * p
    keep = 1 - alpha if alpha_swapped else alpha
    z = np.zeros_like(p)
    sq = keep * state.get("square_avg", z) + (1 - keep) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = keep * state.get("grad_avg", z) + (1 - keep) * g
        new["grad_avg"] = ga
        if not centered_no_subtract:
            var = sq - ga * ga
    avg = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
    if momentum > 0:
        if momentum_raw_grad:
            buf = momentum * state.get("momentum_buffer", z) + g
            new["momentum_buffer"] = buf
            return p - lr * buf / avg, new
        buf = momentum * state.get("momentum_buffer", z) + g / avg
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def _rmsprop_mistake(**flags):
    def step(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
             centered=False):
        return _rmsprop(params, grad, state, lr, alpha, eps, weight_decay, momentum, centered, **flags)
    return step


_RMSPROP_OPTIONS = [("momentum=0.9", {"momentum": 0.9}), ("centered=True", {"centered": True})]


def _rmsprop_hidden():
    cases = _hidden([("lr=0.05, alpha=0.9", {"lr": 0.05, "alpha": 0.9}),
                     ("momentum=0.9", {"momentum": 0.9}),
                     ("centered=True, alpha=0.8", {"centered": True, "alpha": 0.8}),
                     ("weight_decay=0.2, eps=1e-4", {"weight_decay": 0.2, "eps": 1e-4}),
                     ("every option: lr=0.02, alpha=0.95, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True",
                      {"lr": 0.02, "alpha": 0.95, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.5,
                       "centered": True})], seed=600)
    cases.append(_rosenbrock_case("lr=1e-3, momentum=0.9, centered=True",
                                  {"lr": 1e-3, "momentum": 0.9, "centered": True}))
    return cases


register(Exercise(
    name="rmsprop_step", lesson=LESSON, reference=rmsprop_step, points=4, run=optimizer_steps,
    visible=lambda: _visible(_RMSPROP_OPTIONS), hidden=_rmsprop_hidden,
    forbidden=[torch.optim.RMSprop.step, _torch_functional("rmsprop")],
    mistakes=[
        Mistake("eps_inside_sqrt", "eps is inside the square root; RMSProp divides by sqrt(square_avg) + eps",
                _rmsprop_mistake(eps_inside=True)),
        Mistake("centered_no_subtract", "centered=True must subtract the squared mean gradient: "
                "avg = sqrt(square_avg - grad_avg**2) + eps", _rmsprop_mistake(centered_no_subtract=True)),
        Mistake("alpha_swapped", "alpha is the decay of the running average: "
                "square_avg = alpha * square_avg + (1 - alpha) * g**2, not the other way round",
                _rmsprop_mistake(alpha_swapped=True)),
        Mistake("momentum_raw_grad", "the momentum buffer accumulates the already scaled step g / avg "
                "(buf = momentum * buf + g / avg, then params - lr * buf), not the raw gradient",
                _rmsprop_mistake(momentum_raw_grad=True)),
        Mistake("ignores_weight_decay", "weight_decay is ignored; add weight_decay * params to the gradient first",
                _rmsprop_mistake(ignore_wd=True)),
    ]))


# --- adadelta --------------------------------------------------------------------------------

def _adadelta(params, grad, state, lr, rho, eps, weight_decay, *, eps_outside=False, new_acc_first=False,
              lr_in_acc=False, rho_swapped=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    keep = 1 - rho if rho_swapped else rho
    z = np.zeros_like(p)
    sq = keep * state.get("square_avg", z) + (1 - keep) * g * g
    acc = state.get("acc_delta", z)

    def scaled(acc):
        if eps_outside:
            return (np.sqrt(acc) + eps) / (np.sqrt(sq) + eps) * g
        return np.sqrt(acc + eps) / np.sqrt(sq + eps) * g

    delta = scaled(acc)
    if new_acc_first:  # updates acc_delta with this step's delta estimate before using it
        acc = keep * acc + (1 - keep) * delta * delta
        delta = scaled(acc)
    else:
        d = lr * delta if lr_in_acc else delta
        acc = keep * acc + (1 - keep) * d * d
    return p - lr * delta, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def _adadelta_mistake(**flags):
    def step(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        return _adadelta(params, grad, state, lr, rho, eps, weight_decay, **flags)
    return step


_ADADELTA_OPTIONS = [("lr=0.5, rho=0.8", {"lr": 0.5, "rho": 0.8}), ("weight_decay=0.1", {"weight_decay": 0.1})]


def _adadelta_hidden():
    cases = _hidden([("lr=0.5, rho=0.8", {"lr": 0.5, "rho": 0.8}),
                     ("eps=1e-3", {"eps": 1e-3}),
                     ("weight_decay=0.3", {"weight_decay": 0.3}),
                     ("every option: lr=2, rho=0.95, eps=1e-4, weight_decay=0.05",
                      {"lr": 2.0, "rho": 0.95, "eps": 1e-4, "weight_decay": 0.05})], seed=700)
    cases.append(_rosenbrock_case("lr=0.1, rho=0.95", {"lr": 0.1, "rho": 0.95}))
    return cases


register(Exercise(
    name="adadelta_step", lesson=LESSON, reference=adadelta_step, points=3, run=optimizer_steps,
    visible=lambda: _visible(_ADADELTA_OPTIONS), hidden=_adadelta_hidden,
    forbidden=[torch.optim.Adadelta.step, _torch_functional("adadelta")],
    mistakes=[
        Mistake("eps_outside_sqrt", "Adadelta puts eps inside both square roots: "
                "delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g", _adadelta_mistake(eps_outside=True)),
        Mistake("new_acc_delta", "delta uses the accumulated updates of the previous steps: compute delta "
                "with the old acc_delta, then update acc_delta with delta**2", _adadelta_mistake(new_acc_first=True)),
        Mistake("lr_in_acc_delta", "acc_delta accumulates delta**2 before lr is applied "
                "(lr only scales the final params - lr * delta)", _adadelta_mistake(lr_in_acc=True)),
        Mistake("rho_swapped", "rho is the decay: square_avg = rho * square_avg + (1 - rho) * g**2 "
                "(same for acc_delta), not the other way round", _adadelta_mistake(rho_swapped=True)),
    ]))


# --- adam and adamw --------------------------------------------------------------------------

def _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, *, decoupled, no_bias_correction=False,
          eps_inside=False, step_from_zero=False, amsgrad_corrected=False, decay_no_lr=False,
          decay_after=False, betas_swapped=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = (betas[1], betas[0]) if betas_swapped else betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    if weight_decay != 0 and not decay_after:
        if decoupled:
            p = p * (1 - (weight_decay if decay_no_lr else lr * weight_decay))
        else:
            g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    tc = t - 1 if step_from_zero else t  # the bias correction sees the counter before its increment
    with np.errstate(divide="ignore", invalid="ignore"):
        if no_bias_correction:
            m_hat, v_hat = m, v
        else:
            m_hat = m / (1 - np.float64(b1) ** tc)
            v_hat = v / (1 - np.float64(b2) ** tc)
        if amsgrad:
            if amsgrad_corrected:  # the maximum of the bias-corrected v
                v_hat = np.maximum(state.get("max_exp_avg_sq", z), v_hat)
                new["max_exp_avg_sq"] = v_hat
            else:
                vmax = np.maximum(state.get("max_exp_avg_sq", z), v)
                new["max_exp_avg_sq"] = vmax
                v_hat = vmax if no_bias_correction else vmax / (1 - np.float64(b2) ** tc)
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        out = p - lr * m_hat / denom
    if weight_decay != 0 and decay_after:
        out = out * (1 - lr * weight_decay)
    return out, new


def _adam_mistake(**flags):
    def step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        return _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, **flags)
    return step


def _adamw_mistake(**flags):
    def step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        return _adam(params, grad, state, lr, betas, eps, weight_decay, amsgrad, **flags)
    return step


def _adam_options(wd):
    return [("lr=0.1, betas=(0.8, 0.9)", {"lr": 0.1, "betas": (0.8, 0.9)}),
            (f"weight_decay={wd:g}, lr=0.1", {"weight_decay": wd, "lr": 0.1})]


def _adam_hidden(wd, seed):
    cases = _hidden([("lr=0.05, betas=(0.8, 0.95)", {"lr": 0.05, "betas": (0.8, 0.95)}),
                     ("eps=1e-4, lr=0.01", {"eps": 1e-4, "lr": 0.01}),
                     (f"weight_decay={wd:g}, lr=0.1", {"weight_decay": wd, "lr": 0.1}),
                     ("amsgrad=True, lr=0.1", {"amsgrad": True, "lr": 0.1}),
                     (f"every option: lr=0.03, betas=(0.5, 0.9), eps=1e-6, weight_decay={wd:g}, amsgrad=True",
                      {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": wd, "amsgrad": True})],
                    seed=seed)
    cases.append(Case("amsgrad=True, lr=0.1, 40 steps of shrinking gradients",
                      _random(seed + 50, 40, shape=(6,), shrinking=True), {"amsgrad": True, "lr": 0.1}))
    cases.append(Case(f"weight_decay={wd:g}, lr=0.1, 30 steps of shrinking gradients",
                      _random(seed + 51, 30, shape=(6,), shrinking=True), {"weight_decay": wd, "lr": 0.1}))
    cases.append(_rosenbrock_case("lr=0.05", {"lr": 0.05}))
    return cases


_ADAM_FORBIDDEN = [torch.optim.Adam.step, torch.optim.AdamW.step, _torch_functional("adam")]

register(Exercise(
    name="adam_step", lesson=LESSON, reference=adam_step, points=4, run=optimizer_steps,
    visible=lambda: _visible(_adam_options(0.1)), hidden=lambda: _adam_hidden(0.1, 800),
    forbidden=[*_ADAM_FORBIDDEN, adamw_step],
    mistakes=[
        Mistake("no_bias_correction", "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t); "
                "without it the first steps are far too small", _adam_mistake(decoupled=False, no_bias_correction=True)),
        Mistake("eps_inside_sqrt", "eps is inside the square root; torch's Adam divides by "
                "sqrt(v_hat) + eps", _adam_mistake(decoupled=False, eps_inside=True)),
        Mistake("step_from_zero", "the step counter is used before it is incremented (t = 0 on the first call: "
                "1 - beta**0 = 0, a division by zero); increment first so the first step has t = 1",
                _adam_mistake(decoupled=False, step_from_zero=True)),
        Mistake("decoupled_weight_decay", "weight decay is decoupled (that is AdamW); Adam adds "
                "weight_decay * params to the gradient before the moments", _adam_mistake(decoupled=True)),
        Mistake("amsgrad_max_of_corrected", "amsgrad keeps the maximum of the raw v (max_exp_avg_sq) and "
                "bias-corrects that maximum with this step's (1 - beta2**t); here the maximum is taken of "
                "the already corrected v", _adam_mistake(decoupled=False, amsgrad_corrected=True)),
        Mistake("betas_swapped", "betas are (beta1, beta2): beta1 for the mean m, beta2 for the squares v",
                _adam_mistake(decoupled=False, betas_swapped=True)),
    ]))

register(Exercise(
    name="adamw_step", lesson=LESSON, reference=adamw_step, points=3, run=optimizer_steps,
    visible=lambda: _visible(_adam_options(0.5)), hidden=lambda: _adam_hidden(0.5, 900),
    forbidden=[*_ADAM_FORBIDDEN, adam_step],
    mistakes=[
        Mistake("coupled_weight_decay", "weight decay is coupled (added to the gradient, as in Adam); AdamW "
                "shrinks the parameters directly: params * (1 - lr * weight_decay)",
                _adamw_mistake(decoupled=False)),
        Mistake("decay_without_lr", "the decoupled decay is params * (1 - lr * weight_decay): it is "
                "multiplied by lr", _adamw_mistake(decoupled=True, decay_no_lr=True)),
        Mistake("decay_after_update", "the decay shrinks the parameters *before* the Adam update is "
                "subtracted, not the updated parameters", _adamw_mistake(decoupled=True, decay_after=True)),
        Mistake("no_bias_correction", "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)",
                _adamw_mistake(decoupled=True, no_bias_correction=True)),
        Mistake("eps_inside_sqrt", "eps is inside the square root; divide by sqrt(v_hat) + eps",
                _adamw_mistake(decoupled=True, eps_inside=True)),
        Mistake("step_from_zero", "the step counter is used before it is incremented (t = 0 on the first "
                "call); increment first so the first step has t = 1",
                _adamw_mistake(decoupled=True, step_from_zero=True)),
    ]))


# --- yogi ------------------------------------------------------------------------------------

def _yogi(params, grad, state, lr, betas, eps, init, *, adam_v=False, sign_flipped=False, ignore_init=False,
          no_bias_correction=False, eps_inside=False, m_init=False):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m0 = np.full(p.shape, init if m_init else 0.0)
    m = b1 * state.get("exp_avg", m0) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, 0.0 if ignore_init else init))
    g2 = g * g
    if adam_v:
        v = b2 * v + (1 - b2) * g2
    else:
        v = v + (1 if sign_flipped else -1) * (1 - b2) * np.sign(v - g2) * g2
    with np.errstate(invalid="ignore"):
        root = np.sqrt(v)
    bc1, bc2 = (1.0, 1.0) if no_bias_correction else (1 - b1 ** t, 1 - b2 ** t)
    if eps_inside:
        denom = np.sqrt(v / bc2 + eps)
    else:
        denom = root / math.sqrt(bc2) + eps
    return p - lr / bc1 * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}


def _yogi_mistake(**flags):
    def step(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
        return _yogi(params, grad, state, lr, betas, eps, initial_accumulator, **flags)
    return step


_YOGI_OPTIONS = [("lr=0.1, betas=(0.8, 0.9)", {"lr": 0.1, "betas": (0.8, 0.9)}),
                 ("initial_accumulator=0.5, eps=1e-4", {"initial_accumulator": 0.5, "eps": 1e-4})]


def _yogi_hidden():
    cases = _hidden([("lr=0.05, betas=(0.8, 0.95)", {"lr": 0.05, "betas": (0.8, 0.95)}),
                     ("eps=1e-6", {"eps": 1e-6}),
                     ("initial_accumulator=1.0", {"initial_accumulator": 1.0}),
                     ("every option: lr=0.03, betas=(0.5, 0.9), eps=1e-5, initial_accumulator=0.01",
                      {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-5, "initial_accumulator": 0.01})], seed=1000)
    cases.append(Case("initial_accumulator=1e-6, eps=1e-8, 20 small gradients (1e-3)",
                      _random(1060, 20, shape=(4,), scale=1e-3), {"eps": 1e-8}))
    cases.append(_rosenbrock_case("lr=0.05", {"lr": 0.05}))
    return cases


register(Exercise(
    name="yogi_step", lesson=LESSON, reference=yogi_step, points=3, run=optimizer_steps,
    visible=lambda: _visible(_YOGI_OPTIONS), hidden=_yogi_hidden,
    forbidden=[*_ADAM_FORBIDDEN, adam_step, adamw_step],
    mistakes=[
        Mistake("adam_second_moment", "this is Adam's second moment, v = b2 v + (1 - b2) g**2; Yogi's is additive: "
                "v = v - (1 - b2) * sign(v - g**2) * g**2", _yogi_mistake(adam_v=True)),
        Mistake("sign_flipped", "the sign is flipped: v must move *towards* g**2, "
                "v = v - (1 - b2) * sign(v - g**2) * g**2", _yogi_mistake(sign_flipped=True)),
        Mistake("ignores_initial_accumulator", "v starts at initial_accumulator (m starts at 0), not at 0",
                _yogi_mistake(ignore_init=True)),
        Mistake("m_starts_at_accumulator", "m starts at 0 in this course's Yogi (torch_optimizer starts it at "
                "initial_accumulator too); only v starts at initial_accumulator", _yogi_mistake(m_init=True)),
        Mistake("no_bias_correction", "no bias correction: lr / (1 - b1**t) * m / (sqrt(v) / sqrt(1 - b2**t) + eps)",
                _yogi_mistake(no_bias_correction=True)),
        Mistake("eps_inside_sqrt", "eps is inside the square root; divide by sqrt(v) / sqrt(1 - b2**t) + eps",
                _yogi_mistake(eps_inside=True)),
    ]))


# --- more mistakes: the common slips (issue 15) ------------------------------------------------
# Each is a self-contained wrong step; they extend the lists above (the first mistake of every
# exercise stays the one the end-to-end test plants).

def _extend(name, mistakes):
    from coursegrader.grading import get_exercise
    ex = get_exercise(name)
    ex.mistakes = [*ex.mistakes, *mistakes]


def _adagrad2(params, grad, state, lr, lr_decay, weight_decay, init, eps, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state.get("sum", np.full(p.shape, init))
    if slip != "wd_after_scaling":
        g = g + weight_decay * p
    acc = acc + (np.abs(g) if slip == "no_square" else g * g)
    clr = lr * (1 - (t - 1) * lr_decay) if slip == "decay_multiplies" else lr / (1 + (t - 1) * lr_decay)
    denom = acc + eps if slip == "no_sqrt" else np.sqrt(acc) + eps
    step = g / denom
    if slip == "wd_after_scaling":
        step = step + weight_decay * p
    return p - clr * step, {"step": t, "sum": acc}


def _adagrad_slip(slip):
    def step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
             eps=1e-10):
        return _adagrad2(params, grad, state, lr, lr_decay, weight_decay, initial_accumulator_value, eps, slip)
    return step


_extend("adagrad_step", [
    Mistake("sum_not_squared", "the accumulator sums the squares of the gradients: sum = sum + g * g "
            "(a missing square)", _adagrad_slip("no_square")),
    Mistake("no_sqrt", "the step divides by the square root of the sum: g / (sqrt(sum) + eps)",
            _adagrad_slip("no_sqrt")),
    Mistake("lr_decay_multiplies", "lr_decay divides: clr = lr / (1 + (t - 1) * lr_decay), not "
            "lr * (1 - (t - 1) * lr_decay)", _adagrad_slip("decay_multiplies")),
    Mistake("weight_decay_after_scaling", "weight decay joins the gradient before it is accumulated and "
            "scaled: g = g + weight_decay * params first", _adagrad_slip("wd_after_scaling")),
])


def _rmsprop2(params, grad, state, lr, alpha, eps, weight_decay, momentum, centered, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    old = state.get("square_avg")
    if old is None:
        old = g * g if slip == "first_square" else z
    if slip == "no_one_minus":
        sq = alpha * old + g * g
    elif slip == "no_square":
        sq = alpha * old + (1 - alpha) * np.abs(g)
    else:
        sq = alpha * old + (1 - alpha) * g * g
    new = {"step": state.get("step", 0) + 1, "square_avg": sq}
    var = sq
    if centered:
        ga = alpha * state.get("grad_avg", z) + (1 - alpha) * g
        new["grad_avg"] = ga
        var = sq + ga * ga if slip == "centered_plus" else sq - ga * ga
    avg = np.sqrt(var) + eps
    if momentum > 0:
        buf = momentum * state.get("momentum_buffer", z)
        buf = buf + ((1 - momentum) * g / avg if slip == "momentum_ema" else g / avg)
        new["momentum_buffer"] = buf
        return p - lr * buf, new
    return p - lr * g / avg, new


def _rmsprop_slip(slip):
    def step(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
             centered=False):
        return _rmsprop2(params, grad, state, lr, alpha, eps, weight_decay, momentum, centered, slip)
    return step


_extend("rmsprop_step", [
    Mistake("no_one_minus_alpha", "the new square is weighted by (1 - alpha): square_avg = alpha * square_avg "
            "+ (1 - alpha) * g**2 (the (1 - alpha) factor is missing)", _rmsprop_slip("no_one_minus")),
    Mistake("square_missing", "the running average is of the *squared* gradient: (1 - alpha) * g**2 "
            "(a missing square)", _rmsprop_slip("no_square")),
    Mistake("starts_at_first_square", "square_avg starts at 0 (torch), not at the first g**2",
            _rmsprop_slip("first_square")),
    Mistake("centered_adds_mean", "centered=True *subtracts* the squared mean gradient: "
            "sqrt(square_avg - grad_avg**2) + eps", _rmsprop_slip("centered_plus")),
    Mistake("momentum_averaged", "the momentum buffer sums: buf = momentum * buf + g / avg, with no "
            "(1 - momentum) factor", _rmsprop_slip("momentum_ema")),
])


def _adadelta2(params, grad, state, lr, rho, eps, weight_decay, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64) + weight_decay * p
    z = np.zeros_like(p)
    sq = rho * state.get("square_avg", z) + (g * g if slip == "no_one_minus" else (1 - rho) * g * g)
    acc = state.get("acc_delta", z)
    if slip == "no_sqrt":
        delta = (acc + eps) / (sq + eps) * g
    else:
        delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
    acc = rho * acc + (1 - rho) * (np.abs(delta) if slip == "acc_no_square" else delta * delta)
    new = {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}
    return p - (delta if slip == "lr_ignored" else lr * delta), new


def _adadelta_slip(slip):
    def step(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        return _adadelta2(params, grad, state, lr, rho, eps, weight_decay, slip)
    return step


_extend("adadelta_step", [
    Mistake("no_one_minus_rho", "the new square is weighted by (1 - rho): square_avg = rho * square_avg "
            "+ (1 - rho) * g**2 (the (1 - rho) factor is missing)", _adadelta_slip("no_one_minus")),
    Mistake("ratio_without_sqrt", "delta is the ratio of two square roots, RMS[delta] / RMS[g]: "
            "sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g", _adadelta_slip("no_sqrt")),
    Mistake("acc_delta_not_squared", "acc_delta averages the *squared* updates: (1 - rho) * delta**2 "
            "(a missing square)", _adadelta_slip("acc_no_square")),
    Mistake("lr_ignored", "lr scales the update: params - lr * delta (torch's default lr is 1.0, so it "
            "only shows when lr is set)", _adadelta_slip("lr_ignored")),
])


def _adam2(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    z = np.zeros_like(p)
    t = state.get("step", 0) + 1
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    m = b1 * state.get("exp_avg", z) + (g if slip == "no_one_minus_b1" else (1 - b1) * g)
    if slip == "no_one_minus_b2":
        v = b2 * state.get("exp_avg_sq", z) + g * g
    elif slip == "no_square":
        v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * np.abs(g)
    else:
        v = b2 * state.get("exp_avg_sq", z) + (1 - b2) * g * g
    new = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    tc = t + 1 if slip == "power_t_plus_one" else t
    bc1, bc2 = 1 - b1 ** tc, 1 - b2 ** tc
    v_used = v
    if amsgrad:
        vmax = np.maximum(state.get("max_exp_avg_sq", z), v)
        new["max_exp_avg_sq"] = vmax
        v_used = v if slip == "amsgrad_max_unused" else vmax
    if slip == "paper_form":
        step = lr * math.sqrt(bc2) / bc1 * m / (np.sqrt(v_used) + eps)
    elif slip == "v_hat_without_sqrt":
        step = lr * (m / bc1) / (np.sqrt(v_used) / bc2 + eps)
    else:
        step = lr * (m / bc1) / (np.sqrt(v_used / bc2) + eps)
    return p - step, new


def _adam_slip(slip, decoupled=False):
    def step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2 if decoupled else 0.0,
             amsgrad=False):
        return _adam2(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled, slip)
    return step


_NO_ONE_MINUS_B1 = "the new gradient is weighted by (1 - beta1): m = beta1 * m + (1 - beta1) * g"
_NO_ONE_MINUS_B2 = ("the new square is weighted by (1 - beta2): v = beta2 * v + (1 - beta2) * g**2 "
                    "(the (1 - beta2) factor is missing)")
_SQUARE_MISSING = "the second moment averages the *squared* gradient: (1 - beta2) * g**2 (a missing square)"
_PAPER_FORM = ("this is the Adam paper's 'efficient' form, lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / "
               "(sqrt(v) + eps): it scales eps differently; torch divides m_hat by sqrt(v_hat) + eps")
_POWER = ("the bias correction uses this step's count t (1 - beta**t, t = 1 on the first step); here the "
          "exponent is one too high")
_SQRT_BC2 = "v is bias-corrected under the square root: sqrt(v / (1 - beta2**t)), i.e. sqrt(v) / sqrt(1 - beta2**t)"

_extend("adam_step", [
    Mistake("no_one_minus_beta1", _NO_ONE_MINUS_B1, _adam_slip("no_one_minus_b1")),
    Mistake("no_one_minus_beta2", _NO_ONE_MINUS_B2, _adam_slip("no_one_minus_b2")),
    Mistake("square_missing", _SQUARE_MISSING, _adam_slip("no_square")),
    Mistake("bias_correction_exponent", _POWER, _adam_slip("power_t_plus_one")),
    Mistake("paper_form_eps", _PAPER_FORM, _adam_slip("paper_form")),
    Mistake("v_hat_without_sqrt", _SQRT_BC2, _adam_slip("v_hat_without_sqrt")),
    Mistake("amsgrad_max_unused", "with amsgrad=True the denominator uses the running maximum of v "
            "(max_exp_avg_sq), not v itself", _adam_slip("amsgrad_max_unused")),
])
_extend("adamw_step", [
    Mistake("no_one_minus_beta2", _NO_ONE_MINUS_B2, _adam_slip("no_one_minus_b2", decoupled=True)),
    Mistake("paper_form_eps", _PAPER_FORM, _adam_slip("paper_form", decoupled=True)),
    Mistake("bias_correction_exponent", _POWER, _adam_slip("power_t_plus_one", decoupled=True)),
    Mistake("square_missing", _SQUARE_MISSING, _adam_slip("no_square", decoupled=True)),
])


def _yogi2(params, grad, state, lr, betas, eps, init, slip):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = b1 * state.get("exp_avg", np.zeros_like(p)) + (1 - b1) * g
    v = state.get("exp_avg_sq", np.full(p.shape, init))
    g2 = g * g
    if slip == "sign_of_grad":
        v = v - (1 - b2) * np.sign(v - g) * g2
    elif slip == "no_one_minus":
        v = v - np.sign(v - g2) * g2
    else:
        v = v - (1 - b2) * np.sign(v - g2) * g2
    with np.errstate(invalid="ignore"):
        root = np.sqrt(v)
    if slip == "eps_before_correction":
        denom = (root + eps) / math.sqrt(1 - b2 ** t)
    elif slip == "v_not_corrected":
        denom = root + eps
    else:
        denom = root / math.sqrt(1 - b2 ** t) + eps
    return p - lr / (1 - b1 ** t) * m / denom, {"step": t, "exp_avg": m, "exp_avg_sq": v}


def _yogi_slip(slip):
    def step(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
        return _yogi2(params, grad, state, lr, betas, eps, initial_accumulator, slip)
    return step


_extend("yogi_step", [
    Mistake("sign_of_grad", "the sign compares v with the *squared* gradient: sign(v - g**2), not sign(v - g)",
            _yogi_slip("sign_of_grad")),
    Mistake("no_one_minus_beta2", "v moves by (1 - b2) * g**2: v = v - (1 - b2) * sign(v - g**2) * g**2 "
            "(the (1 - b2) factor is missing)", _yogi_slip("no_one_minus")),
    Mistake("eps_before_correction", "eps is added after the bias correction: sqrt(v) / sqrt(1 - b2**t) + eps, "
            "not (sqrt(v) + eps) / sqrt(1 - b2**t)", _yogi_slip("eps_before_correction")),
    Mistake("v_not_corrected", "v is bias-corrected too: divide sqrt(v) by sqrt(1 - b2**t)",
            _yogi_slip("v_not_corrected")),
])
