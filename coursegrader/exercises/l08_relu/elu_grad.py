"""elu_grad: hidden cases (elu's) and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Exercise, Mistake
from coursegrader.reference.activations import elu_grad
from coursekit.check.tasks.l08_relu import ELU_GRAD

from .elu import hidden_cases


def one_at_zero(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def masked_overflow(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return 1.0 * (x > 0) + alpha * np.exp(x) * (x <= 0)


def returns_elu(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * np.expm1(np.minimum(x, 0.0)))


def alpha_ignored(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))


EXERCISE = Exercise.of(
    ELU_GRAD, reference=elu_grad, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("one_at_zero", "elu'(0) is alpha in torch (the x <= 0 branch): the derivative is 1 only for x > 0",
                one_at_zero),
        Mistake("masked_overflow", "multiplying by masks gives nan at x = 1e3 (exp overflows, inf * 0 = nan); "
                "use np.where and exponentiate np.minimum(x, 0)", masked_overflow),
        Mistake("returns_elu", "for x <= 0 the derivative is alpha * exp(x), not alpha * (exp(x) - 1)", returns_elu),
        Mistake("alpha_ignored", "the argument alpha is ignored: the derivative is alpha * exp(x) for x <= 0",
                alpha_ignored),
    ])
