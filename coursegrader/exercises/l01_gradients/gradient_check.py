"""gradient_check: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.gradients import central_difference, gradient_check
from coursegrader.reference.rosenbrock import rosenbrock
from coursekit.check.tasks.l01_gradients import GRADIENT_CHECK, NOISE, quad, quad_grad, quad_grad_off

from ._shared import fmt, forward, points
from .rosenbrock_grad import no_chain_rule


def rosenbrock_grad_no_chain(x):
    return no_chain_rule(x)


def square(x):
    return float(x @ x)


def square_grad(x):
    return 2.0 * x


def hidden_cases():
    cases = [Case("quadratic with its right gradient at (1, -2)", (quad, quad_grad, np.array([1.0, -2.0])), **NOISE),
             Case("x @ x with gradient 2x at x=0: both gradients vanish", (square, square_grad, np.zeros(3))),
             Case("x @ x with the gradient of another function, eps=1e-2",
                  (square, quad_grad, np.array([0.5, 1.5])), {"eps": 1e-2}),
             Case("rosenbrock with a gradient missing the chain rule at (-1, 0.5), eps=1e-3",
                  (rosenbrock, rosenbrock_grad_no_chain, np.array([-1.0, 0.5])), {"eps": 1e-3})]
    for x in points(23, 3):
        cases.append(Case(f"quadratic with a gradient 1% too large at {fmt(x)}, eps=0.1",
                          (quad, quad_grad_off, x), {"eps": 0.1}))
    return cases


def absolute(f, grad_f, x, eps=1e-5):
    return float(np.linalg.norm(np.asarray(grad_f(x)) - central_difference(f, x, eps)))


def only_analytic(f, grad_f, x, eps=1e-5):
    g_a, g_n = np.asarray(grad_f(x)), central_difference(f, x, eps)
    return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a), 1e-12))


def uses_forward(f, grad_f, x, eps=1e-5):
    g_a, g_n = np.asarray(grad_f(x)), forward(f, x, eps, eps)
    return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a) + np.linalg.norm(g_n), 1e-12))


def no_floor(f, grad_f, x, eps=1e-5):
    g_a, g_n = np.asarray(grad_f(x)), central_difference(f, x, eps)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.linalg.norm(g_a - g_n) / (np.linalg.norm(g_a) + np.linalg.norm(g_n)))


EXERCISE = Exercise.of(
    GRADIENT_CHECK, reference=gradient_check, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("absolute", "returns the absolute error norm(g_a - g_n); divide by "
                "max(norm(g_a) + norm(g_n), 1e-12) to make it relative", absolute),
        Mistake("only_analytic", "divides by norm(g_a) alone; the denominator is norm(g_a) + norm(g_n)",
                only_analytic),
        Mistake("forward", "uses the forward difference; the check compares with the central difference",
                uses_forward),
        Mistake("no_floor", "no floor on the denominator: when both gradients are 0 it divides 0 by 0; "
                "use max(..., 1e-12)", no_floor),
    ])
