"""Lesson 04 (momentum): cases and known mistakes.

``sgd_momentum_step`` is graded in three stages, each its own registry entry, so a student can
build it up: ``sgd_momentum_step[momentum]`` (lr and momentum only), ``sgd_momentum_step[nesterov]``
(adds dampening and Nesterov) and ``sgd_momentum_step`` (every option of torch.optim.SGD,
weight decay included). Every stage compares the parameters after each step *and* the state
(torch's key ``momentum_buffer``), and includes runs where the learning rate changes between steps.
"""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake, optimizer_steps, register
from coursegrader.reference.optim.momentum import heavy_ball_step, sgd_momentum_step
from coursegrader.reference.rosenbrock import rosenbrock_grad

LESSON = "04_momentum"


class QuadGrad:
    def __init__(self, H):
        self.H = np.asarray(H, dtype=np.float64)

    def __call__(self, x):
        return self.H @ x


def _rb_grad(x):
    return rosenbrock_grad(x)


def _grads(seed, n, shape):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(n)]


# --- running an optimizer: trajectory and final state ---------------------------------------

def momentum_run(fn, case):
    """Run ``fn`` like ``optimizer_steps``; also return the final ``momentum_buffer``.

    ``case.kwargs["lrs"]`` (a list) gives a learning rate per step (a schedule); otherwise the
    hyper-parameters are constant and :func:`optimizer_steps` runs the steps. Returns
    ``(trajectory (n_steps, *shape), {"momentum_buffer": buffer})``, ``{}`` when momentum is 0.
    """
    last = {}

    def spy(params, grad, state, **hyper):
        out = fn(params, grad, state, **hyper)
        if isinstance(out, tuple) and len(out) == 2:
            last["state"] = out[1]
        return out

    kwargs = dict(case.kwargs)
    lrs = kwargs.pop("lrs", None)
    if lrs is None:
        traj = optimizer_steps(spy, type(case)(case.label, case.args, kwargs))
    else:
        params, grads = case.args
        state, rows = {}, []
        for t, lr in enumerate(lrs):
            g = grads(params) if callable(grads) else grads[t]
            params, state = spy(params, g, state, lr=lr, **kwargs)
            if not isinstance(state, dict):
                raise TypeError(f"step {t + 1} returned state of type {type(state).__name__}; "
                                "return (new_params, state) with state a dict")
            rows.append(np.array(params, copy=True))
        traj = np.stack(rows)
    if kwargs.get("momentum", 0.0) == 0:
        return traj, {}  # torch keeps no state without momentum; whatever is stored is not graded
    state = last.get("state", {})
    if "momentum_buffer" in state:
        return traj, {"momentum_buffer": np.asarray(state["momentum_buffer"])}
    return traj, dict(state)  # other keys: the verdict finds the buffer by value and notes its name


def _sgd_cases(stage, hidden):
    rb0 = np.array([-1.0, 1.5])
    ravine = QuadGrad(np.diag([1.0, 25.0]))
    if not hidden:
        cases = [Case("lr=0.1, momentum=0.9, 3 fixed gradients on 2 parameters",
                      (np.array([1.0, -1.0]), [np.array([0.5, 1.0]), np.array([-0.2, 0.4]), np.array([0.1, 0.1])]),
                      {"lr": 0.1, "momentum": 0.9}),
                 Case("rosenbrock from (-1, 1.5), lr=0.01, momentum=0.5, 5 steps",
                      (rb0, _rb_grad), {"lr": 0.01, "momentum": 0.5, "n_steps": 5})]
        if stage in ("nesterov", "full"):
            cases.append(Case("lr=0.1, momentum=0.9, dampening=0.5, 3 fixed gradients",
                              (np.array([1.0, -1.0]), [np.array([0.5, 1.0]), np.array([-0.2, 0.4]), np.array([0.1, 0.1])]),
                              {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}))
            cases.append(Case("rosenbrock from (-1, 1.5), lr=0.01, momentum=0.9, nesterov=True, 5 steps",
                              (rb0, _rb_grad), {"lr": 0.01, "momentum": 0.9, "nesterov": True, "n_steps": 5}))
        if stage == "full":
            cases.append(Case("lr=0.1, momentum=0.9, weight_decay=0.1, 3 fixed gradients",
                              (np.array([1.0, -1.0]), [np.array([0.5, 1.0]), np.array([-0.2, 0.4]), np.array([0.1, 0.1])]),
                              {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}))
        return cases
    cases = [
        Case("momentum=0 (plain SGD), lr=0.05, 4 random gradients (the state stays empty)",
             (np.array([0.3, -0.7, 1.1]), _grads(1, 4, 3)), {"lr": 0.05}),
        Case("default lr (1e-3), momentum=0.9, 6 random gradients on a (2, 3) matrix",
             (np.ones((2, 3)), _grads(2, 6, (2, 3))), {"momentum": 0.9}),
        Case("ravine diag(1, 25) from (10, 1), lr=0.03, momentum=0.8, 25 steps",
             (np.array([10.0, 1.0]), ravine), {"lr": 0.03, "momentum": 0.8, "n_steps": 25}),
        Case("rosenbrock from (-1, 1.5), lr=0.02, momentum=0.95, 30 steps",
             (rb0, _rb_grad), {"lr": 0.02, "momentum": 0.95, "n_steps": 30}),
        Case("lr changing every step (0.1, 0.05, 0.2, 0.01, 0.1), momentum=0.9, random gradients",
             (np.array([1.0, 2.0]), _grads(3, 5, 2)), {"lrs": [0.1, 0.05, 0.2, 0.01, 0.1], "momentum": 0.9}),
        Case("one parameter, momentum=0.99, 8 random gradients", (np.array([0.0]), _grads(4, 8, 1)),
             {"lr": 0.1, "momentum": 0.99}),
    ]
    if stage in ("nesterov", "full"):
        cases += [
            Case("dampening=0.3, momentum=0.9, lr=0.05, 6 random gradients", (np.array([0.5, -0.5, 2.0]), _grads(5, 6, 3)),
                 {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
            Case("dampening=0.9 (= momentum: a moving average after step 1), lr=0.1, ravine, 15 steps",
                 (np.array([10.0, 1.0]), ravine), {"lr": 0.1, "momentum": 0.9, "dampening": 0.9, "n_steps": 15}),
            Case("nesterov=True, momentum=0.9, lr=0.03, ravine from (10, 1), 25 steps",
                 (np.array([10.0, 1.0]), ravine), {"lr": 0.03, "momentum": 0.9, "nesterov": True, "n_steps": 25}),
            Case("nesterov=True, momentum=0.5, 6 random gradients on a (3, 2) matrix", (np.zeros((3, 2)), _grads(6, 6, (3, 2))),
                 {"lr": 0.1, "momentum": 0.5, "nesterov": True}),
            Case("nesterov=True with lr changing (0.1, 0.02, 0.3, 0.05)", (np.array([1.0, -1.0]), _grads(7, 4, 2)),
                 {"lrs": [0.1, 0.02, 0.3, 0.05], "momentum": 0.8, "nesterov": True}),
        ]
    if stage == "full":
        cases += [
            Case("weight_decay=0.1, momentum=0 (plain SGD with L2)", (np.array([2.0, -3.0]), _grads(8, 5, 2)),
                 {"lr": 0.1, "weight_decay": 0.1}),
            Case("weight_decay=0.05, momentum=0.9, rosenbrock from (-1, 1.5), 20 steps",
                 (rb0, _rb_grad), {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.05, "n_steps": 20}),
            Case("weight_decay=0.01, momentum=0.9, dampening=0.2, random gradients, 8 steps",
                 (np.array([3.0, 1.0, -2.0]), _grads(9, 8, 3)), {"lr": 0.05, "momentum": 0.9, "dampening": 0.2,
                                                               "weight_decay": 0.01}),
            Case("weight_decay=0.2, nesterov=True, momentum=0.9, ravine, 15 steps",
                 (np.array([10.0, 1.0]), ravine), {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.2,
                                                   "nesterov": True, "n_steps": 15}),
            Case("every option at once with a changing lr", (np.array([1.0, 2.0, 3.0]), _grads(10, 5, 3)),
                 {"lrs": [0.1, 0.2, 0.05, 0.1, 0.3], "momentum": 0.7, "weight_decay": 0.1, "nesterov": True}),
        ]
    return cases


# --- mistakes: self-contained wrong SGD steps --------------------------------------------------

def _step(params, grad, state, lr, momentum, dampening, weight_decay, nesterov, *, first="grad",
          damp_first=False, nesterov_old=False, wd_after=False, lr_in_buffer=False, late=False,
          forget_state=False, no_dampening=False, ema=False, ascent=False, nesterov_no_grad=False,
          damp_whole_buffer=False, wd_sign=False):
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if weight_decay and not wd_after:
        g = g + (-weight_decay if wd_sign else weight_decay) * params
    sign = 1.0 if ascent else -1.0
    if momentum == 0:
        d = g + weight_decay * params if wd_after else g
        return params + sign * lr * d, {}
    scale = lr if lr_in_buffer else 1.0
    damp = 0.0 if no_dampening else dampening
    old = state.get("momentum_buffer")
    if ema:
        buf = momentum * (np.zeros_like(g) if old is None else old) + (1 - momentum) * g
        old_for_step = np.zeros_like(g) if old is None else old
    elif old is None:
        buf = (1 - damp) * scale * g if damp_first else scale * g
        old_for_step = np.zeros_like(g)
    elif damp_whole_buffer:
        buf = (1 - damp) * (momentum * old + scale * g)
        old_for_step = old
    else:
        buf = momentum * old + (1 - damp) * scale * g
        old_for_step = old
    if nesterov:
        d = momentum * buf if nesterov_no_grad else g + momentum * (old_for_step if nesterov_old else buf)
    else:
        d = old_for_step if late else buf
    if wd_after:
        d = d + weight_decay * params
    new_state = {} if forget_state else {"momentum_buffer": buf}
    if lr_in_buffer:
        return params + sign * d, new_state
    return params + sign * lr * d, new_state


def _mk(name, **flags):
    """A wrong step with one flag of ``_step`` set, importable as ``coursegrader.exercises.l04_momentum.<name>``."""
    def wrong(params, grad, state, *, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        return _step(params, grad, state, lr, momentum, dampening, weight_decay, nesterov, **flags)
    wrong.__name__ = wrong.__qualname__ = name
    globals()[name] = wrong
    return wrong


_M_LR_IN_BUFFER = Mistake(
    "lr_in_buffer", "the buffer accumulates lr * grad (v = momentum * v + lr * g, p -= v); torch's buffer holds "
    "gradients only (b = momentum * b + g) and lr multiplies the step: the two differ once lr changes",
    _mk("wrong_lr_in_buffer", lr_in_buffer=True))
_M_FORGET = Mistake(
    "state_not_kept", "the buffer is not returned in the state, so every step starts over (plain SGD); return "
    "{'momentum_buffer': b}", _mk("wrong_state_not_kept", forget_state=True))
_M_LATE = Mistake(
    "step_with_old_buffer", "the step uses the buffer from before this gradient was added; update the buffer "
    "first, then step with it", _mk("wrong_step_with_old_buffer", late=True))
_M_DAMP_FIRST = Mistake(
    "dampening_first_step", "dampening is applied on the first step (or the buffer starts at 0): torch sets "
    "b = g on the first step, with no dampening", _mk("wrong_dampening_first_step", damp_first=True))
_M_NO_DAMP = Mistake(
    "dampening_ignored", "dampening is ignored: after the first step b = momentum * b + (1 - dampening) * g",
    _mk("wrong_dampening_ignored", no_dampening=True))
_M_NESTEROV_OLD = Mistake(
    "nesterov_old_buffer", "Nesterov uses the buffer from before this step; torch's direction is "
    "g + momentum * b with the buffer b just updated", _mk("wrong_nesterov_old_buffer", nesterov_old=True))
_M_WD_AFTER = Mistake(
    "weight_decay_after_momentum", "weight decay is added after the momentum (or decoupled, as in AdamW); "
    "torch.optim.SGD adds weight_decay * params to the gradient before the buffer update",
    _mk("wrong_weight_decay_after_momentum", wd_after=True))


def _forbidden_sgd():
    import torch.optim.sgd as tsgd
    return [tsgd.sgd, tsgd._single_tensor_sgd, tsgd._multi_tensor_sgd]


_STAGES = {
    "momentum": ("sgd_momentum_step[momentum]", 4, [_M_LR_IN_BUFFER, _M_FORGET, _M_LATE]),
    "nesterov": ("sgd_momentum_step[nesterov]", 4, [_M_DAMP_FIRST, _M_NO_DAMP, _M_NESTEROV_OLD, _M_LR_IN_BUFFER,
                                                     _M_LATE]),
    "full": ("sgd_momentum_step", 4, [_M_WD_AFTER, _M_DAMP_FIRST, _M_NESTEROV_OLD, _M_LR_IN_BUFFER, _M_NO_DAMP]),
}

for _stage, (_name, _points, _mistakes) in _STAGES.items():
    register(Exercise(
        name=_name, lesson=LESSON, reference=sgd_momentum_step, points=_points,
        visible=lambda s=_stage: _sgd_cases(s, False), hidden=lambda s=_stage: _sgd_cases(s, True),
        mistakes=_mistakes, run=momentum_run, forbidden=_forbidden_sgd()))


# --- heavy_ball_step ------------------------------------------------------------------------

def heavy_ball_run(fn, case):
    """One call (``args = (params, prev_params, grad)``), or with ``n_steps`` a trajectory from
    ``args = (w0, grad_f)`` started with ``prev_params = w0``: array (n_steps, *shape)."""
    kwargs = dict(case.kwargs)
    n_steps = kwargs.pop("n_steps", None)
    if n_steps is None:
        return fn(*case.args, **kwargs)
    w, grad_f = case.args
    lrs = kwargs.pop("lrs", None)
    prev, rows = w, []
    for t in range(n_steps):
        lr = lrs[t] if lrs is not None else kwargs["lr"]
        hyper = {k: v for k, v in kwargs.items() if k != "lr"}
        new = fn(w, prev, grad_f(w), lr=lr, **hyper)
        prev, w = w, new
        rows.append(np.array(new, copy=True))
    return np.stack(rows)


def _hb_cases(hidden):
    if not hidden:
        return [Case("w=(1, 2), w_prev=(1.5, 2.5), g=(0.5, -1), lr=0.1, beta=0.9",
                     (np.array([1.0, 2.0]), np.array([1.5, 2.5]), np.array([0.5, -1.0])), {"lr": 0.1, "beta": 0.9}),
                Case("first step: w_prev = w = (2, 2), g=(1, 1), lr=0.1, beta=0.5",
                     (np.array([2.0, 2.0]), np.array([2.0, 2.0]), np.array([1.0, 1.0])), {"lr": 0.1, "beta": 0.5})]
    rng = np.random.default_rng(17)
    return [Case("beta=0: plain gradient descent", (np.array([1.0, -1.0]), np.array([0.0, 0.0]), np.array([2.0, 3.0])),
                 {"lr": 0.05, "beta": 0.0}),
            Case("random (3, 2) matrices, lr=0.01, beta=0.99", (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)),
                                                                 rng.normal(size=(3, 2))), {"lr": 0.01, "beta": 0.99}),
            Case("zero gradient: the ball keeps rolling", (np.array([1.0]), np.array([0.8]), np.array([0.0])),
                 {"lr": 0.1, "beta": 0.9}),
            Case("ravine diag(1, 25) from (10, 1), lr=0.03, beta=0.8, 25 steps",
                 (np.array([10.0, 1.0]), QuadGrad(np.diag([1.0, 25.0]))), {"lr": 0.03, "beta": 0.8, "n_steps": 25}),
            Case("rosenbrock from (-1, 1.5), lr=0.02, beta=0.9, 30 steps",
                 (np.array([-1.0, 1.5]), _rb_grad), {"lr": 0.02, "beta": 0.9, "n_steps": 30}),
            Case("ravine with lr changing (0.03 then 0.01), beta=0.9, 10 steps",
                 (np.array([10.0, 1.0]), QuadGrad(np.diag([1.0, 25.0]))),
                 {"lrs": [0.03] * 5 + [0.01] * 5, "lr": None, "beta": 0.9, "n_steps": 10})]


def _hb_sign(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + beta * (prev_params - params)


def _hb_lr_on_velocity(params, prev_params, grad, *, lr, beta):
    return params - lr * (grad + beta * (params - prev_params))


def _hb_ascent(params, prev_params, grad, *, lr, beta):
    return params + lr * grad + beta * (params - prev_params)


def _hb_ema(params, prev_params, grad, *, lr, beta):
    return params - (1 - beta) * lr * grad + beta * (params - prev_params)


register(Exercise(
    name="heavy_ball_step", lesson=LESSON, reference=heavy_ball_step, points=3,
    visible=lambda: _hb_cases(False), hidden=lambda: _hb_cases(True), run=heavy_ball_run,
    mistakes=[
        Mistake("velocity_sign", "the velocity is w - w_prev (where the ball is going), not w_prev - w",
                _hb_sign),
        Mistake("lr_on_velocity", "lr multiplies the velocity term too; the form is w - lr * g + beta * (w - w_prev)",
                _hb_lr_on_velocity),
        Mistake("ascent", "the gradient term has the wrong sign: w - lr * g", _hb_ascent),
        Mistake("damped_gradient", "the gradient is scaled by (1 - beta); the seed form has lr * g alone",
                _hb_ema),
    ]))


# --- more mistakes: the common slips (issue 15) ------------------------------------------------
# More flags of ``_step``, appended to each stage's list (the first mistake of every exercise
# stays the one the end-to-end test plants).

_M_EMA = Mistake(
    "buffer_averaged", "the buffer is a moving average, b = momentum * b + (1 - momentum) * g; torch's buffer "
    "sums: b = momentum * b + g (there is no (1 - momentum) factor unless dampening asks for one)",
    _mk("wrong_buffer_averaged", ema=True))
_M_ASCENT = Mistake(
    "ascent", "the step goes uphill: params - lr * b, not params + lr * b", _mk("wrong_ascent", ascent=True))
_M_NESTEROV_NO_GRAD = Mistake(
    "nesterov_without_gradient", "Nesterov's direction is g + momentum * b: the gradient itself is missing",
    _mk("wrong_nesterov_without_gradient", nesterov_no_grad=True))
_M_DAMP_WHOLE = Mistake(
    "dampening_on_whole_buffer", "dampening scales the new gradient only: b = momentum * b + (1 - dampening) * g, "
    "not (1 - dampening) * (momentum * b + g)", _mk("wrong_dampening_on_whole_buffer", damp_whole_buffer=True))
_M_WD_SIGN = Mistake(
    "weight_decay_sign", "weight decay pulls the parameters towards 0: g = g + weight_decay * params, not minus",
    _mk("wrong_weight_decay_sign", wd_sign=True))

_EXTRA = {
    "sgd_momentum_step[momentum]": [_M_EMA, _M_ASCENT],
    "sgd_momentum_step[nesterov]": [_M_EMA, _M_NESTEROV_NO_GRAD, _M_DAMP_WHOLE, _M_ASCENT],
    "sgd_momentum_step": [_M_EMA, _M_NESTEROV_NO_GRAD, _M_DAMP_WHOLE, _M_WD_SIGN, _M_ASCENT, _M_FORGET, _M_LATE],
}


def _hb_from_prev(params, prev_params, grad, *, lr, beta):
    return prev_params - lr * grad + beta * (params - prev_params)


def _hb_one_minus_beta(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + (1 - beta) * (params - prev_params)


_EXTRA["heavy_ball_step"] = [
    Mistake("step_from_prev", "the step starts from the current point: w - lr * g + beta * (w - w_prev), "
            "not from w_prev", _hb_from_prev),
    Mistake("one_minus_beta_on_velocity", "the velocity term is beta * (w - w_prev), not (1 - beta) * (w - w_prev)",
            _hb_one_minus_beta),
]


def _extend_all():
    from coursegrader.grading import get_exercise
    for name, more in _EXTRA.items():
        ex = get_exercise(name)
        ex.mistakes = [*ex.mistakes, *more]


_extend_all()
