"""torch_grad: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.gradients import torch_grad
from coursekit.check.tasks.l01_gradients import TORCH_GRAD, t_logsumexp

from ._shared import fmt, points


def t_rosenbrock(t):
    return (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2


def t_matrix(t):
    import torch
    return (torch.tanh(t) ** 2).sum() + t[0, 0] * t[1, 1]


def t_norm(t):
    return (t * t).sum().sqrt()


def hidden_cases():
    rng = np.random.default_rng(5)
    cases = [Case("f=sum(tanh(X)^2) + X00 X11, X a (2, 3) matrix", (t_matrix, rng.normal(size=(2, 3)))),
             Case("f=||x||, x of 5 coordinates", (t_norm, rng.normal(size=5))),
             Case("f=logsumexp at x=(1e-9, 2e-9): needs float64", (t_logsumexp, np.array([1e-9, 2e-9]))),
             Case("f=rosenbrock(b=100) at (1, 1): zero gradient", (t_rosenbrock, np.array([1.0, 1.0])))]
    for x in points(31, 3, 2.0):
        cases.append(Case(f"f=rosenbrock(b=100), random x={fmt(x)}", (t_rosenbrock, x)))
    return cases


def float32(f, x):
    import torch
    xt = torch.tensor(np.asarray(x), dtype=torch.float32, requires_grad=True)
    f(xt).backward()
    return xt.grad.numpy()


def returns_tensor(f, x):
    import torch
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f(xt).backward()
    return xt.grad


def accumulated(f, x):
    import torch
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = f(xt)
    y.backward(retain_graph=True)
    y.backward()
    return xt.grad.numpy()


EXERCISE = Exercise.of(
    TORCH_GRAD, reference=torch_grad, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("float32", "the tensor is float32 (torch's default for Python floats); build it with "
                "dtype=torch.float64 so the gradient keeps double precision", float32),
        Mistake("returns_tensor", "returns a torch tensor; convert with .detach().numpy()", returns_tensor),
        Mistake("accumulated", "backward() ran twice and .grad accumulated (torch adds into .grad); "
                "call it once, or zero the gradient first", accumulated),
    ])
