"""elu: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import elu
from coursekit.check.tasks.l08_relu import ELU

from ._shared import activation_hidden

ALPHAS = (0.3, 2.0)


def hidden_cases():
    """Shared with elu_grad."""
    return activation_hidden("alpha", ALPHAS)


def masked_overflow(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return x * (x > 0) + alpha * (np.exp(x) - 1.0) * (x <= 0)


def no_minus_one(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)))


def alpha_ignored(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def alpha_positive(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, alpha * x, alpha * np.expm1(np.minimum(x, 0.0)))


EXERCISE = Exercise.of(
    ELU, reference=elu, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("masked_overflow", "x * (x > 0) + alpha * (exp(x) - 1) * (x <= 0) gives nan at x = 1e3 "
                "(exp overflows to inf and inf * 0 = nan); select with np.where and only exponentiate "
                "np.minimum(x, 0)", masked_overflow),
        Mistake("no_minus_one", "for x <= 0, elu(x) = alpha * (exp(x) - 1): the - 1 is missing", no_minus_one),
        Mistake("alpha_ignored", "the argument alpha is ignored", alpha_ignored),
        Mistake("alpha_positive", "alpha only scales the negative side: elu(x) = x for x > 0", alpha_positive),
    ])
