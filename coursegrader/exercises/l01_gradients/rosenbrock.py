"""rosenbrock: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.rosenbrock import rosenbrock
from coursekit.check.tasks.l01_gradients import ROSENBROCK

from ._shared import fmt, points


def hidden_cases():
    """Shared with rosenbrock_grad: the minimum, other a and b, large values, random points."""
    cases = [Case("x=(1, 1): the minimum", (np.array([1.0, 1.0]),)),
             Case("x=(2, 4), a=2, b=1: the minimum moves to (a, a^2)", (np.array([2.0, 4.0]),), {"a": 2.0}),
             Case("x=(-1.5, 2.5), b=100", (np.array([-1.5, 2.5]),), {"b": 100.0}),
             Case("x=(0.3, 0.7), a=-1, b=0.5", (np.array([0.3, 0.7]),), {"a": -1.0, "b": 0.5}),
             Case("x=(1e3, -1e3), large values", (np.array([1e3, -1e3]),))]
    for i, x in enumerate(points(101, 5, 3.0)):
        ab = {"a": 1.0 + 0.5 * i, "b": 10.0 ** (i - 2)}
        cases.append(Case(f"random x={fmt(x)}, a={ab['a']:g}, b={ab['b']:g}", (x,), ab))
    return cases


def swapped_ab(x, a=1.0, b=1.0):
    return float((b - x[0]) ** 2 + a * (x[1] - x[0] ** 2) ** 2)


def ignores_b(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + (x[1] - x[0] ** 2) ** 2)


def ignores_ab(x, a=1.0, b=1.0):
    return float((1.0 - x[0]) ** 2 + (x[1] - x[0] ** 2) ** 2)


def b100(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2)


def squares_x2(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + b * (x[0] - x[1] ** 2) ** 2)


EXERCISE = Exercise.of(
    ROSENBROCK, reference=rosenbrock, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("swapped_ab", "a and b are swapped: a is the target of x1, b weighs the valley term "
                "(a - x1)^2 + b (x2 - x1^2)^2", swapped_ab),
        Mistake("ignores_b", "the parameter b is ignored: the valley term is b * (x[1] - x[0]**2)**2", ignores_b),
        Mistake("ignores_ab", "the parameters a and b are ignored (the formula always uses a=1, b=1)", ignores_ab),
        Mistake("b100", "b is hard-coded to 100 (the classic Rosenbrock); use the argument b", b100),
        Mistake("squares_x2", "the valley term squares the wrong coordinate: it is (x[1] - x[0]**2)**2, "
                "not (x[0] - x[1]**2)**2", squares_x2),
    ])
