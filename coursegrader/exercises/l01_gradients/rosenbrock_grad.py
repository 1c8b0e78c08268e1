"""rosenbrock_grad: hidden cases (rosenbrock's) and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.rosenbrock import rosenbrock_grad
from coursekit.check.tasks.l01_gradients import ROSENBROCK_GRAD

from .rosenbrock import hidden_cases


def no_chain_rule(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) + 2.0 * b * inner, 2.0 * b * inner])


def sign_first_term(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])


def missing_two(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, b * inner])


def ignores_b(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) - 4.0 * x[0] * inner, 2.0 * inner])


def ignores_ab(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (1.0 - x[0]) - 4.0 * x[0] * inner, 2.0 * inner])


EXERCISE = Exercise.of(
    ROSENBROCK_GRAD, reference=rosenbrock_grad, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("no_chain_rule", "d/dx1 of b (x2 - x1^2)^2 needs the chain rule: "
                "2 b (x2 - x1^2) * (-2 x1), i.e. -4 b x1 (x2 - x1^2)", no_chain_rule),
        Mistake("sign_first_term", "sign error: d/dx1 of (a - x1)^2 is -2 (a - x1), not +2 (a - x1)",
                sign_first_term),
        Mistake("missing_two", "d/dx2 of b (x2 - x1^2)^2 is 2 b (x2 - x1^2): the factor 2 is missing", missing_two),
        Mistake("ignores_b", "the parameter b is ignored: both components of the valley term carry the factor b",
                ignores_b),
        Mistake("ignores_ab", "the parameters a and b are ignored (the gradient is the one for a=1, b=1)",
                ignores_ab),
    ])
