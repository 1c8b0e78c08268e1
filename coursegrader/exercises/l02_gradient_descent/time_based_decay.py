"""time_based_decay: hidden cases and catalogued mistakes."""
from __future__ import annotations

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.schedules import time_based_decay
from coursekit.check.tasks.l02_gradient_descent import TIME_BASED_DECAY


def hidden_cases():
    return [Case("lr0=0.1, decay=0, t=50: no decay", (0.1, 0.0, 50)),
            Case("lr0=0.3, decay=2, t=7", (0.3, 2.0, 7)),
            Case("lr0=0.05, decay=1e-3, t=10000", (0.05, 1e-3, 10000)),
            Case("lr0=1, decay=1, t=1: halved", (1.0, 1.0, 1))]


def missing_parentheses(lr0, decay, t):
    return float(lr0 / 1.0 + decay * t)


def linear(lr0, decay, t):
    return float(lr0 * (1.0 - decay * t))


def t_plus_one(lr0, decay, t):
    return float(lr0 / (1.0 + decay * (t + 1)))


def power(lr0, decay, t):
    return float(lr0 / (1.0 + decay) ** t)


EXERCISE = Exercise.of(
    TIME_BASED_DECAY, reference=time_based_decay, points=1, hidden=hidden_cases,
    mistakes=[
        Mistake("missing_parentheses", "lr0 / 1 + decay * t: the denominator needs parentheses, "
                "lr0 / (1 + decay * t)", missing_parentheses),
        Mistake("linear", "lr0 * (1 - decay * t) decays linearly (and turns negative); divide by 1 + decay * t",
                linear),
        Mistake("t_plus_one", "uses t + 1: at t = 0 the rate must be lr0", t_plus_one),
        Mistake("power", "lr0 / (1 + decay) ** t is an exponential decay; time-based decay divides by "
                "1 + decay * t", power),
    ])
