"""step_decay: hidden cases and catalogued mistakes."""
from __future__ import annotations

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.schedules import step_decay
from coursekit.check.tasks.l02_gradient_descent import STEP_DECAY


def hidden_cases():
    return [Case("lr0=0.1, drop=0.5, every=10, t=9: still the first stair", (0.1, 0.5, 10, 9)),
            Case("lr0=0.1, drop=0.5, every=10, t=10: first drop", (0.1, 0.5, 10, 10)),
            Case("lr0=0.2, drop=0.9, every=1, t=7: every step", (0.2, 0.9, 1, 7)),
            Case("lr0=2, drop=0.25, every=4, t=17", (2.0, 0.25, 4, 17)),
            Case("lr0=0.1, drop=0.5, every=100, t=350", (0.1, 0.5, 100, 350))]


def true_division(lr0, drop, every, t):
    return float(lr0 * drop ** (t / every))


def every_ignored(lr0, drop, every, t):
    return float(lr0 * drop ** t)


def early_drop(lr0, drop, every, t):
    return float(lr0 * drop ** ((t + 1) // every))


def multiplied(lr0, drop, every, t):
    return float(lr0 * drop * (t // every)) if t >= every else float(lr0)


EXERCISE = Exercise.of(
    STEP_DECAY, reference=step_decay, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("true_division", "t / every makes a smooth curve; the staircase needs integer division t // every",
                true_division),
        Mistake("every_ignored", "drops every step (drop ** t); the exponent is t // every", every_ignored),
        Mistake("early_drop", "(t + 1) // every drops one step too early: the first drop is at t = every",
                early_drop),
        Mistake("multiplied", "multiplies by drop * (t // every) instead of raising drop to the power t // every",
                multiplied),
    ])
