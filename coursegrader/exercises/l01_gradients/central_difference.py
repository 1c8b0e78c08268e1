"""central_difference: hidden cases (forward_difference's) and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.gradients import central_difference
from coursekit.check.tasks.l01_gradients import CENTRAL_DIFFERENCE

from ._shared import central, forward
from .forward_difference import hidden_cases


def one_eps(f, x, eps=1e-5):
    return central(f, x, eps, eps)


def is_forward(f, x, eps=1e-5):
    return forward(f, x, eps, eps)


def all_at_once(f, x, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


def fixed_eps(f, x, eps=1e-5):
    return central(f, x, 1e-5, 2e-5)


EXERCISE = Exercise.of(
    CENTRAL_DIFFERENCE, reference=central_difference, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("one_eps", "divides by eps instead of 2*eps: the two points are 2*eps apart", one_eps),
        Mistake("is_forward", "this is the forward difference; the central one is "
                "(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)", is_forward),
        Mistake("all_at_once", "every coordinate is nudged at once (x ± eps); nudge one coordinate at a time",
                all_at_once),
        Mistake("fixed_eps", "the argument eps is ignored (a fixed step is used)", fixed_eps),
    ])
