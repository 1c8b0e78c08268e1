"""Lesson 11 (modern optimizers and schedules): its graded functions as a student's kernel sees them.

Optimizers are run from ``{}`` over a sequence of gradients (``optimizer_steps``) and the whole
trajectory is compared; schedule-free SGD also returns its averaged point ``state["x"]`` after every
step (:func:`schedule_free_steps`). The visible cases are hand-written or seeded random inputs and
together set every keyword of each function at least once.

The outside implementations (``lion_pytorch``, ``schedulefree``) are forbidden calls when they are
installed; nothing here needs them (they are development pins, not runtime ones).
"""
from __future__ import annotations

import importlib

import numpy as np

from ..runners import optimizer_step, optimizer_steps
from ..task import Case, Task

LESSON = "11_modern_optimizers"


def outside_callables(module, *names):
    """The callables ``module.name`` of an outside package, or none when it is not installed."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return []
    found = []
    for name in names:
        obj = mod
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            found.append(obj)
    return found


# --- gradients shared by the optimizers --------------------------------------------------------

def fixed_steps(shape=(3,)):
    """Hand-written start and three gradients; (3,) or a matrix shape of 6 entries."""
    p0 = np.array([1.0, -2.0, 0.5, 0.25, -1.0, 2.0])
    grads = [np.array([0.5, -1.0, 2.0, -0.3, 0.8, 0.1]), np.array([0.2, 0.3, -1.5, 0.6, -0.4, 0.9]),
             np.array([-0.4, 0.8, 1.0, 0.5, 0.7, -1.2])]
    n = int(np.prod(shape))
    return p0[:n].reshape(shape), [g[:n].reshape(shape) for g in grads]


def random_steps(seed, n, shape=(3, 4), scale=1.0):
    """A seeded random start and ``n`` random gradients of ``shape`` (times ``scale``)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape), list(scale * rng.normal(size=(n, *shape)))


# --- lion_step --------------------------------------------------------------------------------

def _lion_visible():
    p0, grads = fixed_steps()
    first_zero = [np.array([0.0, -1.0, 2.0])] + grads[1:]
    return [Case("defaults, params (1, -2, 0.5), 3 fixed gradients", (p0, grads)),
            Case("lr=0.1, weight_decay=0.5, 3 fixed gradients", (p0, grads), {"lr": 0.1, "weight_decay": 0.5}),
            Case("lr=0.1, betas=(0.5, 0.9), 3 fixed gradients", (p0, grads), {"lr": 0.1, "betas": (0.5, 0.9)}),
            Case("lr=0.1, first gradient (0, -1, 2): sign(0) = 0", (p0, first_zero), {"lr": 0.1}),
            Case("lr=0.1, 20 random steps, params (2, 3)", random_steps(1109, 20, shape=(2, 3)), {"lr": 0.1})]


LION_STEP = Task(name="lion_step", lesson=LESSON, parameters=("params", "grad", "state", "lr", "betas", "weight_decay"),
                 visible=_lion_visible, run=optimizer_steps,
                 forbidden=outside_callables("lion_pytorch", "Lion.step", "lion_pytorch.update_fn"))


# --- newton_schulz ------------------------------------------------------------------------------

G23 = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, -1.0]])


def ns_case(label, G, **kw):
    """A Newton–Schulz case whose label ends with its keywords."""
    G = np.asarray(G, dtype=np.float64)
    opts = ", ".join(f"{k}={v}" for k, v in kw.items())
    return Case(f"{label}{', ' + opts if opts else ''}", (G,), kw)


def _ns_visible():
    return [ns_case("G = [[3, 1, 0], [1, 2, -1]] (2 x 3)", G23),
            ns_case("G = its transpose (3 x 2, taller than wide)", G23.T),
            ns_case("G = [[4, 1], [2, 3]], steps=0: only the normalisation", [[4.0, 1.0], [2.0, 3.0]], steps=0),
            ns_case("G = [[3, 1, 0], [1, 2, -1]], the cubic iteration", G23, coefficients=(1.5, -0.5, 0.0), steps=3),
            ns_case("G = [[4, 1], [2, 3]] / 1000 (norm below eps: divided by eps)", [[4e-3, 1e-3], [2e-3, 3e-3]],
                    eps=0.5),
            Case("bad input: G of shape (3,) (not 2-D) must raise ValueError", (np.ones(3),), raises=ValueError)]


def _ns_forbidden():
    import torch.optim._muon as muon

    return [muon._zeropower_via_newtonschulz]


NEWTON_SCHULZ = Task(name="newton_schulz", lesson=LESSON, parameters=("G", "steps", "coefficients", "eps"),
                     visible=_ns_visible, forbidden=_ns_forbidden())


# --- muon_step ----------------------------------------------------------------------------------

def _muon_visible():
    p32, g32 = fixed_steps((3, 2))
    p23, g23 = fixed_steps((2, 3))
    return [Case("defaults, params 3 x 2, 3 fixed gradients", (p32, g32)),
            Case("lr=0.02, nesterov=False, params 2 x 3, 3 fixed gradients", (p23, g23),
                 {"lr": 0.02, "nesterov": False}),
            Case("lr=0.02, adjust_lr_fn='match_rms_adamw', params 3 x 2, 3 fixed gradients", (p32, g32),
                 {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw"}),
            Case("lr=0.05, weight_decay=0.05, momentum=0.9, ns_steps=2, ns_coefficients=(2, -1.5, 0.5), "
                 "adjust_lr_fn='original', params 2 x 3, 3 fixed gradients", (p23, g23),
                 {"lr": 0.05, "weight_decay": 0.05, "momentum": 0.9, "ns_steps": 2,
                  "ns_coefficients": (2.0, -1.5, 0.5), "adjust_lr_fn": "original"}),
            Case("lr=0.02, eps=1.0 (a norm below eps: the buffer's scale matters), params 3 x 4, 10 steps",
                 random_steps(1119, 10, shape=(3, 4), scale=0.2), {"lr": 0.02, "eps": 1.0}),
            Case("bad input: params of shape (3,) must raise ValueError", (np.ones(3), [np.ones(3)]),
                 raises=ValueError)]


def _muon_forbidden():
    import torch
    import torch.optim._muon as muon

    return [torch.optim.Muon.step, muon.muon, muon._single_tensor_muon, muon._zeropower_via_newtonschulz]


MUON_STEP = Task(name="muon_step", lesson=LESSON,
                 parameters=("params", "grad", "state", "lr", "weight_decay", "momentum", "nesterov",
                             "ns_coefficients", "eps", "ns_steps", "adjust_lr_fn"),
                 visible=_muon_visible, run=optimizer_steps, forbidden=_muon_forbidden())


# --- wsd_schedule --------------------------------------------------------------------------------

def wsd_case(lr0, warmup, stable, decay, t, min_lr=None, shape=None, note=""):
    """A WSD case whose label lists its arguments (``note`` is appended)."""
    label = f"lr0={lr0:g}, warmup={warmup}, stable={stable}, decay={decay}, t={t}"
    kw = {}
    if min_lr is not None:
        kw["min_lr"] = min_lr
        label += f", min_lr={min_lr:g}"
    if shape is not None:
        kw["shape"] = shape
        label += f", shape={shape!r}"
    return Case(label + note, (lr0, warmup, stable, decay, t), kw)


def _wsd_visible():
    return [wsd_case(0.1, 10, 80, 10, 5, note=": half-way up the warm-up"),
            wsd_case(0.1, 10, 80, 10, 50, note=": the stable phase"),
            wsd_case(0.1, 10, 80, 10, 95, note=": half-way down the linear decay"),
            wsd_case(0.1, 10, 80, 10, 93, min_lr=0.01, shape="cosine"),
            wsd_case(0.1, 10, 80, 10, 94, min_lr=0.01, shape="1-sqrt"),
            Case("bad input: decay=0 must raise ValueError", (0.1, 10, 80, 0, 5), raises=ValueError)]


def _wsd_forbidden():
    from torch.optim.lr_scheduler import CosineAnnealingLR

    return [CosineAnnealingLR.get_lr, CosineAnnealingLR._get_closed_form_lr]


WSD_SCHEDULE = Task(name="wsd_schedule", lesson=LESSON,
                    parameters=("lr0", "warmup", "stable", "decay", "t", "min_lr", "shape"),
                    visible=_wsd_visible, forbidden=_wsd_forbidden())


# --- schedule_free_sgd_step ------------------------------------------------------------------------

def schedule_free_steps(fn, case):
    """Run schedule-free SGD from ``{}`` like ``optimizer_steps``; return, after every step, the
    parameters it returned (``"y"``) and the averaged point it keeps in ``state["x"]`` (``"x"``)."""
    params, grads = case.args
    hyper = dict(case.kwargs)
    n_steps = hyper.pop("n_steps", None)
    grad_at = grads if callable(grads) else None
    state: dict = {}
    ys, xs = [], []
    for t in range(n_steps if grad_at is not None else len(grads)):
        g = grad_at(params) if grad_at is not None else grads[t]
        params, state = optimizer_step(fn, params, g, state, t + 1, **hyper)  # state's arrays unchanged
        if "x" not in state:
            raise KeyError(f"step {t + 1}: the state must keep the averaged point under the key 'x' "
                           "(state['x'] is the point the lesson evaluates)")
        ys.append(np.array(params, copy=True))
        xs.append(np.array(state["x"], copy=True))
    return {"y": np.stack(ys), "x": np.stack(xs)}


def _sf_visible():
    p0, grads = fixed_steps()
    return [Case("defaults, params (1, -2, 0.5), 3 fixed gradients", (p0, grads)),
            Case("lr=0.1, momentum=0.5, warmup_steps=2, 3 fixed gradients", (p0, grads),
                 {"lr": 0.1, "momentum": 0.5, "warmup_steps": 2}),
            Case("lr=0.1, weight_decay=0.2, r=1, 3 fixed gradients", (p0, grads),
                 {"lr": 0.1, "weight_decay": 0.2, "r": 1.0}),
            Case("lr=0.2, warmup_steps=2, r=1, weight_lr_power=1, 3 fixed gradients", (p0, grads),
                 {"lr": 0.2, "warmup_steps": 2, "r": 1.0, "weight_lr_power": 1.0})]


SCHEDULE_FREE_SGD_STEP = Task(
    name="schedule_free_sgd_step", lesson=LESSON,
    parameters=("params", "grad", "state", "lr", "momentum", "weight_decay", "warmup_steps", "r", "weight_lr_power"),
    visible=_sf_visible, run=schedule_free_steps,
    forbidden=outside_callables("schedulefree", "SGDScheduleFreeReference.step", "SGDScheduleFree.step",
                                "SGDScheduleFreeClosure.step"))

TASKS = [LION_STEP, NEWTON_SCHULZ, MUON_STEP, WSD_SCHEDULE, SCHEDULE_FREE_SGD_STEP]
