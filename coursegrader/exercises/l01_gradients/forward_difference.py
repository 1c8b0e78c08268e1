"""forward_difference: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.gradients import forward_difference
from coursegrader.reference.rosenbrock import rosenbrock
from coursekit.check.tasks.l01_gradients import FORWARD_DIFFERENCE, sin_square

from ._shared import central, fmt, forward, points


def rosenbrock_b100(x):
    return rosenbrock(x, b=100.0)


def logsumexp(x):
    return float(np.log(np.sum(np.exp(x))))


def hidden_cases():
    """Shared with central_difference: other eps, more coordinates, a matrix x, a minimum."""
    rng = np.random.default_rng(7)
    cases = [Case("f=rosenbrock(b=100), x=(-1.2, 1), eps=1e-3", (rosenbrock_b100, np.array([-1.2, 1.0])),
                  {"eps": 1e-3}),
             Case("f=rosenbrock, x=(2, 2), eps=0.1", (rosenbrock, np.array([2.0, 2.0])), {"eps": 0.1}),
             Case("f=sum(sin(x) x^2), 6 coordinates, eps=1e-2", (sin_square, rng.normal(size=6)), {"eps": 1e-2}),
             Case("f=log-sum-exp, 4 coordinates, default eps", (logsumexp, rng.normal(size=4))),
             Case("f=sum(sin(x) x^2), x a (3, 2) matrix, eps=1e-3", (sin_square, rng.normal(size=(3, 2))),
                  {"eps": 1e-3}),
             Case("f=rosenbrock at its minimum (1, 1), eps=1e-2", (rosenbrock, np.array([1.0, 1.0])), {"eps": 1e-2})]
    for x in points(11, 2):
        cases.append(Case(f"f=rosenbrock(b=100), random x={fmt(x)}, eps=1e-4", (rosenbrock_b100, x), {"eps": 1e-4}))
    return cases


def two_eps(f, x, eps=1e-6):
    return forward(f, x, eps, 2 * eps)


def all_at_once(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    return np.full(x.shape, (f(x + eps) - f(x)) / eps)


def is_central(f, x, eps=1e-6):
    return central(f, x, eps, 2 * eps)


def fixed_eps(f, x, eps=1e-6):
    return forward(f, x, 1e-6, 1e-6)


EXERCISE = Exercise.of(
    FORWARD_DIFFERENCE, reference=forward_difference, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("two_eps", "the forward difference divides by eps, not 2*eps (only the central one halves)", two_eps),
        Mistake("all_at_once", "every coordinate is nudged at once (x + eps); nudge one coordinate at a time "
                "with x + eps * e_i", all_at_once),
        Mistake("is_central", "this is the central difference; the forward one is (f(x + eps e_i) - f(x)) / eps",
                is_central),
        Mistake("fixed_eps", "the argument eps is ignored (a fixed step is used)", fixed_eps),
    ])
