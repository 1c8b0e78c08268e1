"""What the three stages of ``sgd_momentum_step`` share: their hidden cases, and the forbidden calls."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case
from coursegrader.reference.rosenbrock import rosenbrock_grad
from coursekit.check.tasks.l04_momentum import QuadGrad


def rb_grad(x):
    """The gradient of Rosenbrock (a=1, b=1): a curved valley for the hidden cases."""
    return rosenbrock_grad(x)


def grads(seed, n, shape):
    """``n`` random gradients of ``shape`` from a fixed seed."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(n)]


def sgd_hidden(stage):
    """The hidden cases of a stage ("momentum", "nesterov" or "full"): each stage adds its options'
    cases after the previous stage's."""
    rb0 = np.array([-1.0, 1.5])
    ravine = QuadGrad(np.diag([1.0, 25.0]))
    cases = [
        Case("momentum=0 (plain SGD), lr=0.05, 4 random gradients (the state stays empty)",
             (np.array([0.3, -0.7, 1.1]), grads(1, 4, 3)), {"lr": 0.05}),
        Case("default lr (1e-3), momentum=0.9, 6 random gradients on a (2, 3) matrix",
             (np.ones((2, 3)), grads(2, 6, (2, 3))), {"momentum": 0.9}),
        Case("ravine diag(1, 25) from (10, 1), lr=0.03, momentum=0.8, 25 steps",
             (np.array([10.0, 1.0]), ravine), {"lr": 0.03, "momentum": 0.8, "n_steps": 25}),
        Case("rosenbrock from (-1, 1.5), lr=0.02, momentum=0.95, 30 steps",
             (rb0, rb_grad), {"lr": 0.02, "momentum": 0.95, "n_steps": 30}),
        Case("lr changing every step (0.1, 0.05, 0.2, 0.01, 0.1), momentum=0.9, random gradients",
             (np.array([1.0, 2.0]), grads(3, 5, 2)), {"lrs": [0.1, 0.05, 0.2, 0.01, 0.1], "momentum": 0.9}),
        Case("one parameter, momentum=0.99, 8 random gradients", (np.array([0.0]), grads(4, 8, 1)),
             {"lr": 0.1, "momentum": 0.99}),
    ]
    if stage in ("nesterov", "full"):
        cases += [
            Case("dampening=0.3, momentum=0.9, lr=0.05, 6 random gradients", (np.array([0.5, -0.5, 2.0]), grads(5, 6, 3)),
                 {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
            Case("dampening=0.9 (= momentum: a moving average after step 1), lr=0.1, ravine, 15 steps",
                 (np.array([10.0, 1.0]), ravine), {"lr": 0.1, "momentum": 0.9, "dampening": 0.9, "n_steps": 15}),
            Case("nesterov=True, momentum=0.9, lr=0.03, ravine from (10, 1), 25 steps",
                 (np.array([10.0, 1.0]), ravine), {"lr": 0.03, "momentum": 0.9, "nesterov": True, "n_steps": 25}),
            Case("nesterov=True, momentum=0.5, 6 random gradients on a (3, 2) matrix",
                 (np.zeros((3, 2)), grads(6, 6, (3, 2))), {"lr": 0.1, "momentum": 0.5, "nesterov": True}),
            Case("nesterov=True with lr changing (0.1, 0.02, 0.3, 0.05)", (np.array([1.0, -1.0]), grads(7, 4, 2)),
                 {"lrs": [0.1, 0.02, 0.3, 0.05], "momentum": 0.8, "nesterov": True}),
        ]
    if stage == "full":
        cases += [
            Case("weight_decay=0.1, momentum=0 (plain SGD with L2)", (np.array([2.0, -3.0]), grads(8, 5, 2)),
                 {"lr": 0.1, "weight_decay": 0.1}),
            Case("weight_decay=0.05, momentum=0.9, rosenbrock from (-1, 1.5), 20 steps",
                 (rb0, rb_grad), {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.05, "n_steps": 20}),
            Case("weight_decay=0.01, momentum=0.9, dampening=0.2, random gradients, 8 steps",
                 (np.array([3.0, 1.0, -2.0]), grads(9, 8, 3)), {"lr": 0.05, "momentum": 0.9, "dampening": 0.2,
                                                              "weight_decay": 0.01}),
            Case("weight_decay=0.2, nesterov=True, momentum=0.9, ravine, 15 steps",
                 (np.array([10.0, 1.0]), ravine), {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.2,
                                                   "nesterov": True, "n_steps": 15}),
            Case("every option at once with a changing lr", (np.array([1.0, 2.0, 3.0]), grads(10, 5, 3)),
                 {"lrs": [0.1, 0.2, 0.05, 0.1, 0.3], "momentum": 0.7, "weight_decay": 0.1, "nesterov": True}),
        ]
    return cases
