"""Lesson 04 (momentum): its graded functions as a student's kernel sees them.

``sgd_momentum_step`` is graded in three stages, each its own task, so a student can build it up:
``sgd_momentum_step[momentum]`` (lr and momentum only), ``sgd_momentum_step[nesterov]`` (adds
dampening and Nesterov) and ``sgd_momentum_step`` (every option of torch.optim.SGD, weight decay
included). Every stage compares the parameters after each step *and* the state (torch's key
``momentum_buffer``), and includes runs where the learning rate changes between steps.

Visible inputs only: the functions a step is tried on are small ones of this module (a quadratic and
a quartic), never another lesson's answers.
"""
from __future__ import annotations

import numpy as np

from ..runners import optimizer_steps
from ..task import Case, Task

LESSON = "04_momentum"


class QuadGrad:
    """The gradient ``H @ x`` of the quadratic ``x @ H @ x / 2``."""

    def __init__(self, H):
        self.H = np.asarray(H, dtype=np.float64)

    def __call__(self, x):
        return self.H @ x


def quartic_grad(x):
    """The gradient of f(x) = x0^4 / 4 + x0 x1 + x1^2: (x0^3 + x1, x0 + 2 x1)."""
    return np.array([x[0] ** 3 + x[1], x[0] + 2.0 * x[1]])


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


def forbidden_sgd():
    """torch's SGD kernels: calling them from a student's step counts as delegating."""
    import torch.optim.sgd as tsgd
    return [tsgd.sgd, tsgd._single_tensor_sgd, tsgd._multi_tensor_sgd]


# --- visible cases ---------------------------------------------------------------------------

def _fixed():
    """Three hand-written gradients for two parameters."""
    return np.array([1.0, -1.0]), [np.array([0.5, 1.0]), np.array([-0.2, 0.4]), np.array([0.1, 0.1])]


def _sgd_visible(stage):
    """Every keyword the stage grades at least once: momentum 0 and > 0, an lr that changes,
    then dampening and Nesterov on and off, then weight decay with and without momentum."""
    cases = [Case("lr=0.1, momentum=0.9, 3 fixed gradients on 2 parameters", _fixed(), {"lr": 0.1, "momentum": 0.9}),
             Case("quartic x0^4/4 + x0 x1 + x1^2 from (1, -1), lr=0.1, momentum=0.5, 5 steps",
                  (np.array([1.0, -1.0]), quartic_grad), {"lr": 0.1, "momentum": 0.5, "n_steps": 5}),
             Case("lr changing every step (0.1, 0.3, 0.05), momentum=0.9, 3 fixed gradients", _fixed(),
                  {"lrs": [0.1, 0.3, 0.05], "momentum": 0.9}),
             Case("momentum=0 (plain SGD: the state stays empty), lr=0.1, 3 fixed gradients", _fixed(), {"lr": 0.1})]
    if stage in ("nesterov", "full"):
        cases += [Case("lr=0.1, momentum=0.9, dampening=0.5, 3 fixed gradients", _fixed(),
                       {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
                  Case("quartic from (1, -1), lr=0.1, momentum=0.9, nesterov=True, 5 steps",
                       (np.array([1.0, -1.0]), quartic_grad),
                       {"lr": 0.1, "momentum": 0.9, "nesterov": True, "n_steps": 5})]
    if stage == "full":
        cases += [Case("lr=0.1, momentum=0.9, weight_decay=0.1, 3 fixed gradients", _fixed(),
                       {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
                  Case("weight_decay=0.1 with momentum=0 (plain SGD with L2), lr=0.1, 3 fixed gradients", _fixed(),
                       {"lr": 0.1, "weight_decay": 0.1}),
                  Case("every option: lrs (0.1, 0.2, 0.05), momentum=0.8, weight_decay=0.1, nesterov=True", _fixed(),
                       {"lrs": [0.1, 0.2, 0.05], "momentum": 0.8, "weight_decay": 0.1, "nesterov": True})]
    return cases


def _task(name, stage):
    return Task(name=name, lesson=LESSON, visible=lambda: _sgd_visible(stage),
                parameters=("params", "grad", "state", "lr", "momentum", "dampening", "weight_decay", "nesterov"),
                run=momentum_run, forbidden=forbidden_sgd())


SGD_MOMENTUM_STEP_MOMENTUM = _task("sgd_momentum_step[momentum]", "momentum")
SGD_MOMENTUM_STEP_NESTEROV = _task("sgd_momentum_step[nesterov]", "nesterov")
SGD_MOMENTUM_STEP = _task("sgd_momentum_step", "full")


def _hb_visible():
    return [Case("w=(1, 2), w_prev=(1.5, 2.5), g=(0.5, -1), lr=0.1, beta=0.9",
                 (np.array([1.0, 2.0]), np.array([1.5, 2.5]), np.array([0.5, -1.0])), {"lr": 0.1, "beta": 0.9}),
            Case("first step: w_prev = w = (2, 2), g=(1, 1), lr=0.1, beta=0.5",
                 (np.array([2.0, 2.0]), np.array([2.0, 2.0]), np.array([1.0, 1.0])), {"lr": 0.1, "beta": 0.5}),
            Case("quartic from (1, -1), lr=0.1, beta=0.8, 4 steps (w_prev = w0 at the start)",
                 (np.array([1.0, -1.0]), quartic_grad), {"lr": 0.1, "beta": 0.8, "n_steps": 4})]


HEAVY_BALL_STEP = Task(name="heavy_ball_step", lesson=LESSON, visible=_hb_visible,
                       parameters=("params", "prev_params", "grad", "lr", "beta"), run=heavy_ball_run)

TASKS = [HEAVY_BALL_STEP, SGD_MOMENTUM_STEP_MOMENTUM, SGD_MOMENTUM_STEP_NESTEROV, SGD_MOMENTUM_STEP]
