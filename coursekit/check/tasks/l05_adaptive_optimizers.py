"""Lesson 05 (adaptive optimizers): its graded functions as a student's kernel sees them.

Every optimizer is run from ``{}`` over a sequence of gradients (``optimizer_steps``) and the whole
trajectory is compared. The visible cases are three hand-written gradients on three parameters: the
defaults, then options that together set every keyword of the function at least once.
"""
from __future__ import annotations

import importlib

import numpy as np

from ..runners import optimizer_steps
from ..task import Case, Task

LESSON = "05_adaptive_optimizers"


def torch_functional(name):
    """torch's functional optimizer ``torch.optim.<name>.<name>`` (the submodule is not an attribute)."""
    return getattr(importlib.import_module(f"torch.optim.{name}"), name)


def fixed():
    """Three hand-written gradients for a 3-parameter vector (visible cases)."""
    return np.array([1.0, -2.0, 0.5]), [np.array([0.5, -1.0, 2.0]), np.array([0.2, 0.3, -1.5]),
                                        np.array([-0.4, 0.8, 1.0])]


def visible(options):
    """Fixed 3-step cases: the defaults, then each ``(label, kwargs)`` of ``options``."""
    p0, grads = fixed()
    cases = [Case("defaults, params (1, -2, 0.5), 3 fixed gradients", (p0, grads))]
    for label, kw in options:
        cases.append(Case(f"{label}, params (1, -2, 0.5), 3 fixed gradients", (p0, grads), kw))
    return cases


def adam_forbidden():
    """torch's Adam and AdamW (AdamW's step runs Adam's functional kernel)."""
    import torch

    return [torch.optim.Adam.step, torch.optim.AdamW.step, torch_functional("adam")]


def _task(name, options, torch_name, parameters):
    import torch

    if torch_name in ("Adam", "AdamW"):
        forbidden = adam_forbidden()
    else:
        forbidden = [getattr(torch.optim, torch_name).step, torch_functional(torch_name.lower())]
    return Task(name=name, lesson=LESSON, parameters=("params", "grad", "state", *parameters),
                visible=lambda: visible(options), run=optimizer_steps, forbidden=forbidden)


ADAGRAD_OPTIONS = [("lr=0.1, lr_decay=0.1", {"lr": 0.1, "lr_decay": 0.1}),
                   ("initial_accumulator_value=0.5, weight_decay=0.1",
                    {"initial_accumulator_value": 0.5, "weight_decay": 0.1}),
                   ("eps=0.1", {"eps": 0.1})]
RMSPROP_OPTIONS = [("momentum=0.9", {"momentum": 0.9}), ("centered=True", {"centered": True}),
                   ("lr=0.05, alpha=0.5, eps=1e-3, weight_decay=0.1",
                    {"lr": 0.05, "alpha": 0.5, "eps": 1e-3, "weight_decay": 0.1})]
ADADELTA_OPTIONS = [("lr=0.5, rho=0.8", {"lr": 0.5, "rho": 0.8}), ("weight_decay=0.1", {"weight_decay": 0.1}),
                    ("eps=1e-2", {"eps": 1e-2})]


def adam_options(wd):
    """Adam's and AdamW's visible options (``wd``: the weight decay tried)."""
    return [("lr=0.1, betas=(0.8, 0.9)", {"lr": 0.1, "betas": (0.8, 0.9)}),
            (f"weight_decay={wd:g}, lr=0.1", {"weight_decay": wd, "lr": 0.1}),
            ("amsgrad=True, lr=0.1, betas=(0.9, 0.5), eps=1e-3",
             {"amsgrad": True, "lr": 0.1, "betas": (0.9, 0.5), "eps": 1e-3})]


YOGI_OPTIONS = [("lr=0.1, betas=(0.8, 0.9)", {"lr": 0.1, "betas": (0.8, 0.9)}),
                ("initial_accumulator=0.5, eps=1e-4", {"initial_accumulator": 0.5, "eps": 1e-4})]

ADAGRAD_STEP = _task("adagrad_step", ADAGRAD_OPTIONS, "Adagrad",
                     ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"))
RMSPROP_STEP = _task("rmsprop_step", RMSPROP_OPTIONS, "RMSprop",
                     ("lr", "alpha", "eps", "weight_decay", "momentum", "centered"))
ADADELTA_STEP = _task("adadelta_step", ADADELTA_OPTIONS, "Adadelta", ("lr", "rho", "eps", "weight_decay"))
ADAM_STEP = _task("adam_step", adam_options(0.1), "Adam", ("lr", "betas", "eps", "weight_decay", "amsgrad"))
ADAMW_STEP = _task("adamw_step", adam_options(0.5), "AdamW", ("lr", "betas", "eps", "weight_decay", "amsgrad"))


def _yogi_task():
    # no torch Yogi: delegating to Adam's kernel is what a student could try
    forbidden = adam_forbidden()
    return Task(name="yogi_step", lesson=LESSON, visible=lambda: visible(YOGI_OPTIONS), run=optimizer_steps,
                parameters=("params", "grad", "state", "lr", "betas", "eps", "initial_accumulator"),
                forbidden=forbidden)


YOGI_STEP = _yogi_task()

TASKS = [ADAGRAD_STEP, RMSPROP_STEP, ADADELTA_STEP, ADAM_STEP, ADAMW_STEP, YOGI_STEP]
