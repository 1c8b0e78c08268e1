"""Lesson 08 (vanishing gradients, ReLU and relatives, He initialisation): its graded functions as a
student's kernel sees them.

Ten functions, seven grade cells in the notebook: each activation is graded together with its
derivative (one grade cell ``grade("sigmoid", sigmoid) + grade("sigmoid_grad", sigmoid_grad)``),
then ``he_normal``, ``xavier_normal`` and ``layer_grad_norms``.
"""
from __future__ import annotations

import numpy as np

from ..task import Case, Task

LESSON = "08_relu"


def torch_forbidden(*names):
    """The torch functions that would do an activation's work (calling them is delegating)."""
    import torch
    import torch.nn.functional as F
    table = {"sigmoid": [torch.sigmoid, F.sigmoid, torch.special.expit],
             "relu": [torch.relu, F.relu], "leaky_relu": [F.leaky_relu], "elu": [F.elu],
             "autograd": [torch.autograd.grad, torch.autograd.backward]}
    return [f for name in names for f in table[name]]


# --- the activations and their derivatives -------------------------------------------------------

def activation_visible(param=None, values=()):
    """Visible cases for f(x) or f(x, param=value). ``values``: non-default values of the parameter."""
    cases = [Case("x=(-2, -0.5, 0, 0.5, 2)", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
             Case("x a (2, 3) matrix", (np.array([[-3.0, 1.0, 0.25], [4.0, -0.1, -1.5]]),)),
             Case("x=(-1000, -50, 50, 1000): large inputs, no overflow, no nan",
                  (np.array([-1000.0, -50.0, 50.0, 1000.0]),))]
    for value in values:
        cases.append(Case(f"x=(-2, -0.5, 0, 0.5, 2), {param}={value:g}",
                          (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),), {param: value}))
    return cases


def _activation(name, forbidden, param=None, values=()):
    parameters = ("x", param) if param else ("x",)
    return Task(name=name, lesson=LESSON, parameters=parameters,
                visible=lambda: activation_visible(param, values), forbidden=torch_forbidden(*forbidden))


SIGMOID = _activation("sigmoid", ["sigmoid"])
SIGMOID_GRAD = _activation("sigmoid_grad", ["sigmoid", "autograd"])
RELU = _activation("relu", ["relu"])
RELU_GRAD = _activation("relu_grad", ["relu", "autograd"])
# a slope above 1 too: leaky ReLU accepts any slope (max(x, a x) is right only for a <= 1)
LEAKY_RELU = _activation("leaky_relu", ["leaky_relu"], "negative_slope", (0.2, 1.5))
LEAKY_RELU_GRAD = _activation("leaky_relu_grad", ["leaky_relu", "autograd"], "negative_slope", (0.2, 1.5))
ELU = _activation("elu", ["elu"], "alpha", (0.5,))
ELU_GRAD = _activation("elu_grad", ["elu", "autograd"], "alpha", (0.5,))


# --- he_normal and xavier_normal -------------------------------------------------------------------

STATS_LABEL = "statistics"


def run_he_normal(fn, case):
    """Array cases: the array itself (same rng, same draw). Statistics cases (label starting with
    "statistics"): mean / std_target, std / std_target and the share of |w| < std_target, which
    is 0.683 for a normal distribution and 0.577 for a uniform one of the same std."""
    fan_in, fan_out, rng = case.args
    w = fn(fan_in, fan_out, rng)
    if not case.label.startswith(STATS_LABEL):
        return w
    w = np.asarray(w, dtype=np.float64)
    target = np.sqrt(2.0 / fan_in)
    return {"shape": w.shape, "mean / sqrt(2 / fan_in)": w.mean() / target,
            "std / sqrt(2 / fan_in)": w.std() / target, "share of |w| < sqrt(2 / fan_in)": np.mean(np.abs(w) < target)}


def _he_visible():
    return [Case("fan_in=3, fan_out=2, rng=np.random.default_rng(0)", (3, 2, np.random.default_rng(0))),
            Case("fan_in=1, fan_out=4, rng=np.random.default_rng(1)", (1, 4, np.random.default_rng(1)))]


HE_NORMAL = Task(name="he_normal", lesson=LESSON, parameters=("fan_in", "fan_out", "rng"), visible=_he_visible,
                 run=run_he_normal)


def _xavier_forbidden():
    from torch.nn import init
    return [init.xavier_normal_, init.xavier_uniform_]


def run_xavier_normal(fn, case):
    """Array cases: the array itself (same rng, same draw). Statistics cases (label starting with
    "statistics"): mean / target, std / target and the share of |w| < target, with target
    ``gain * sqrt(2 / (fan_in + fan_out))`` (the share is 0.683 for a normal distribution)."""
    w = fn(*case.args, **case.kwargs)
    if not case.label.startswith(STATS_LABEL):
        return w
    fan_in, fan_out = case.args[:2]
    gain = case.kwargs.get("gain", case.args[3] if len(case.args) > 3 else 1.0)
    w = np.asarray(w, dtype=np.float64)
    target = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return {"shape": w.shape, "mean / target std": w.mean() / target, "std / target std": w.std() / target,
            "share of |w| < target std": np.mean(np.abs(w) < target)}


def _xavier_visible():
    return [Case("fan_in=3, fan_out=2, rng=np.random.default_rng(0)", (3, 2, np.random.default_rng(0))),
            Case("fan_in=4, fan_out=1, rng=np.random.default_rng(1), gain=5/3 (tanh)",
                 (4, 1, np.random.default_rng(1)), {"gain": 5.0 / 3.0})]


XAVIER_NORMAL = Task(name="xavier_normal", lesson=LESSON, parameters=("fan_in", "fan_out", "rng", "gain"),
                     visible=_xavier_visible, run=run_xavier_normal, forbidden=_xavier_forbidden())


# --- layer_grad_norms ----------------------------------------------------------------------------

def mlp(seed, sizes, act, nested=False):
    """A float64 torch MLP ``sizes[0] -> ... -> sizes[-1]`` with ``act`` between its Linear layers,
    from ``torch.manual_seed(seed)``; ``nested``: blocks of (Linear, activation) inside the model."""
    import torch
    from torch import nn
    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    if nested:
        blocks = [nn.Sequential(*layers[i:i + 2]) for i in range(0, len(layers) - 1, 2)]
        model = nn.Sequential(*blocks, layers[-1])
    else:
        model = nn.Sequential(*layers)
    return model.double()


def batch(seed, n, d, kind, k=2):
    """A float64 batch ``(X (n, d), y)``: ``y`` class indices (``"classes"``), 0/1 columns (``"binary"``)
    or ``(n, k)`` values."""
    import torch
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    if kind == "classes":
        y = torch.randint(0, k, (n,), generator=g)
    elif kind == "binary":
        y = torch.randint(0, 2, (n, 1), generator=g).double()
    else:
        y = torch.randn(n, k, generator=g, dtype=torch.float64)
    return X, y


def run_layer_grad_norms(fn, case):
    """Leave stale gradients in the model (one backward pass on another batch), then call fn."""
    model, X, y, loss_fn = case.args
    loss_fn(model(X.flip(0) * 2.0), y).backward()
    return fn(model, X, y, loss_fn)


def _lgn_visible():
    from torch import nn
    return [Case("3 Linear layers 2-8-8-2 with tanh, cross-entropy, 16 samples",
                 (mlp(0, [2, 8, 8, 2], nn.Tanh), *batch(1, 16, 2, "classes"), nn.CrossEntropyLoss())),
            Case("2 Linear layers 3-4-1 with ReLU, MSE, 8 samples",
                 (mlp(2, [3, 4, 1], nn.ReLU), *batch(3, 8, 3, "values", 1), nn.MSELoss())),
            Case("blocks nn.Sequential(Linear, ReLU) nested in the model, MSE, 6 samples",
                 (mlp(4, [3, 5, 5, 2], nn.ReLU, nested=True), *batch(5, 6, 3, "values", 2), nn.MSELoss()))]


# a case takes ~0.02 s; torch's thread pool on a machine whose cores are oversubscribed can stall
# a backward pass for seconds, which must not read as a wrong answer
LAYER_GRAD_NORMS = Task(name="layer_grad_norms", lesson=LESSON, parameters=("model", "X", "y", "loss_fn"),
                        visible=_lgn_visible, run=run_layer_grad_norms, time_limit=10.0)

TASKS = [SIGMOID, SIGMOID_GRAD, RELU, RELU_GRAD, LEAKY_RELU, LEAKY_RELU_GRAD, ELU, ELU_GRAD,
         HE_NORMAL, XAVIER_NORMAL, LAYER_GRAD_NORMS]
