"""exponential_decay: hidden cases and catalogued mistakes."""
from __future__ import annotations

import math

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.schedules import exponential_decay
from coursekit.check.tasks.l02_gradient_descent import EXPONENTIAL_DECAY


def hidden_cases():
    return [Case("lr0=0.2, k=0, t=40: no decay", (0.2, 0.0, 40)),
            Case("lr0=0.3, k=0.01, t=250", (0.3, 0.01, 250)),
            Case("lr0=1, k=2, t=1", (1.0, 2.0, 1)),
            Case("lr0=0.05, k=1e-4, t=7", (0.05, 1e-4, 7))]


def sign(lr0, k, t):
    return float(lr0 * math.exp(k * t))


def power_of_k(lr0, k, t):
    return float(lr0 * k ** t)


def discrete(lr0, k, t):
    return float(lr0 * (1.0 - k) ** t)


EXERCISE = Exercise.of(
    EXPONENTIAL_DECAY, reference=exponential_decay, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("sign", "exp(k * t) grows; the decay is exp(-k * t)", sign),
        Mistake("power_of_k", "lr0 * k ** t; the formula is lr0 * exp(-k * t)", power_of_k),
        Mistake("discrete", "lr0 * (1 - k) ** t is close for small k but not the same; use exp(-k * t)", discrete),
    ])
