"""wsd_schedule: hidden cases and catalogued mistakes (each a complete wrong schedule)."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.schedules import wsd_schedule
from coursekit.check.tasks.l11_modern_optimizers import WSD_SCHEDULE, wsd_case


def hidden():
    """Every boundary of the three phases, every shape, runs without warm-up or plateau, bad input."""
    cases = [
        wsd_case(0.5, 0, 20, 10, 0, note=": warmup=0, step 0 gets lr0"),
        wsd_case(0.5, 4, 20, 10, 0, min_lr=0.05, note=": the ramp starts at 0, not at min_lr"),
        wsd_case(0.5, 4, 20, 10, 3, min_lr=0.05, note=": last warm-up step"),
        wsd_case(0.5, 4, 20, 10, 4, note=": t = warmup gives lr0"),
        wsd_case(0.5, 4, 20, 10, 23, note=": last stable step"),
        wsd_case(0.5, 4, 20, 10, 24, min_lr=0.05, note=": t = warmup + stable, the decay starts at lr0"),
        wsd_case(0.5, 4, 20, 10, 25, min_lr=0.05, note=": first step below lr0"),
        wsd_case(0.5, 4, 20, 10, 26, min_lr=0.05, shape="1-sqrt"),
        wsd_case(0.5, 4, 20, 10, 31, min_lr=0.05, shape="cosine"),
        wsd_case(0.5, 4, 20, 10, 33, min_lr=0.05, note=": last decay step"),
        wsd_case(0.5, 4, 20, 10, 34, min_lr=0.05, note=": t = warmup + stable + decay gives min_lr"),
        wsd_case(0.5, 4, 20, 10, 90, min_lr=0.05, shape="cosine", note=": long after the decay"),
        wsd_case(0.3, 5, 0, 8, 9, shape="1-sqrt", note=": no stable phase"),
        wsd_case(0.3, 5, 0, 8, 7, min_lr=0.03, shape="linear", note=": no stable phase"),
        wsd_case(0.3, 2, 3, 1, 5, min_lr=0.01, note=": a one-step decay gives lr0 at its only step"),
        wsd_case(1.0, 0, 0, 16, 4, shape="cosine", note=": no warm-up, no plateau (CosineAnnealingLR)"),
        wsd_case(1.0, 0, 0, 16, 9, min_lr=0.1, shape="1-sqrt"),
        wsd_case(3e-4, 500, 8000, 1500, 8900, min_lr=3e-5, shape="1-sqrt"),
        wsd_case(3e-4, 500, 8000, 1500, 9700, shape="cosine"),
    ]
    rng = np.random.default_rng(1140)
    for shape in ("linear", "cosine", "1-sqrt"):
        warmup, stable, decay = (int(v) for v in rng.integers(1, 60, size=3))
        t = warmup + stable + int(rng.integers(0, decay))
        cases.append(wsd_case(round(float(rng.uniform(0.01, 1.0)), 4), warmup, stable, decay, t,
                              min_lr=round(float(rng.uniform(0.0, 0.01)), 5), shape=shape, note=" (random)"))
    cases += [Case("bad input: warmup=-1 must raise ValueError", (0.1, -1, 10, 5, 3), raises=ValueError),
              Case("bad input: stable=-2 must raise ValueError", (0.1, 3, -2, 5, 3), raises=ValueError),
              Case("bad input: t=-1 must raise ValueError", (0.1, 3, 10, 5, -1), raises=ValueError),
              Case("bad input: decay=0 must raise ValueError", (0.1, 3, 10, 0, 20), raises=ValueError),
              Case("bad input: shape='exponential' must raise ValueError", (0.1, 3, 10, 5, 14),
                   {"shape": "exponential"}, raises=ValueError)]
    return cases


def checked(warmup, stable, decay, t, shape):
    """The spec's input checks (every mistake validates like the reference; its mistake is in the formula)."""
    if warmup < 0 or stable < 0 or t < 0 or decay < 1 or shape not in ("linear", "cosine", "1-sqrt"):
        raise ValueError(f"bad schedule: warmup={warmup}, stable={stable}, decay={decay}, t={t}, shape={shape!r}")


def warmup_off_by_one(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return lr0 * (t + 1) / warmup  # step 0 already gets lr0 / warmup
    if t < warmup + stable:
        return lr0
    f = (t - warmup - stable) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": (1 + math.cos(math.pi * f)) / 2, "1-sqrt": 1 - math.sqrt(f)}[shape]
    return min_lr + (lr0 - min_lr) * s


def decay_off_by_one(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return lr0 * t / warmup
    if t < warmup + stable - 1:  # the decay starts one step early
        return lr0
    f = (t - warmup - stable + 1) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": (1 + math.cos(math.pi * f)) / 2, "1-sqrt": 1 - math.sqrt(f)}[shape]
    return min_lr + (lr0 - min_lr) * s


def stable_counted_from_zero(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return lr0 * t / warmup
    if t < stable:  # the plateau counted from step 0, not from the end of the warm-up
        return lr0
    f = (t - stable) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": (1 + math.cos(math.pi * f)) / 2, "1-sqrt": 1 - math.sqrt(f)}[shape]
    return min_lr + (lr0 - min_lr) * s


def decays_to_zero(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return lr0 * t / warmup
    if t < warmup + stable:
        return lr0
    f = (t - warmup - stable) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": (1 + math.cos(math.pi * f)) / 2, "1-sqrt": 1 - math.sqrt(f)}[shape]
    return lr0 * s  # towards 0, then a jump to min_lr


def sqrt_shape_inverted(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return lr0 * t / warmup
    if t < warmup + stable:
        return lr0
    f = (t - warmup - stable) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": (1 + math.cos(math.pi * f)) / 2, "1-sqrt": math.sqrt(1 - f)}[shape]
    return min_lr + (lr0 - min_lr) * s


def quarter_cosine(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return lr0 * t / warmup
    if t < warmup + stable:
        return lr0
    f = (t - warmup - stable) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": math.cos(math.pi * f / 2), "1-sqrt": 1 - math.sqrt(f)}[shape]
    return min_lr + (lr0 - min_lr) * s


def ramp_from_min_lr(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    checked(warmup, stable, decay, t, shape)
    if t < warmup:
        return min_lr + (lr0 - min_lr) * t / warmup
    if t < warmup + stable:
        return lr0
    f = (t - warmup - stable) / decay
    if f >= 1:
        return min_lr
    s = {"linear": 1 - f, "cosine": (1 + math.cos(math.pi * f)) / 2, "1-sqrt": 1 - math.sqrt(f)}[shape]
    return min_lr + (lr0 - min_lr) * s


EXERCISE = Exercise.of(
    WSD_SCHEDULE, reference=wsd_schedule, points=3, hidden=hidden,
    mistakes=[
        Mistake("warmup_off_by_one", "the warm-up is lr0 * t / warmup: step 0 gets 0 and step warmup gets lr0 "
                "(lr0 * (t + 1) / warmup reaches lr0 one step early)", warmup_off_by_one),
        Mistake("decay_off_by_one", "the decay starts at t = warmup + stable with f = 0 (the rate is still lr0 "
                "there): f = (t - warmup - stable) / decay, not (t - warmup - stable + 1) / decay",
                decay_off_by_one),
        Mistake("stable_counted_from_zero", "the plateau starts when the warm-up ends: lr0 for "
                "warmup <= t < warmup + stable, and the decay from t = warmup + stable", stable_counted_from_zero),
        Mistake("decays_to_zero", "the decay goes from lr0 to min_lr: min_lr + (lr0 - min_lr) * s(f), not lr0 * s(f)",
                decays_to_zero),
        Mistake("sqrt_shape_inverted", "the '1-sqrt' shape is s(f) = 1 - sqrt(f) (fast at first, then slower), "
                "not sqrt(1 - f)", sqrt_shape_inverted),
        Mistake("quarter_cosine", "the cosine shape is half a period: s(f) = (1 + cos(pi * f)) / 2, not cos(pi * f / 2)",
                quarter_cosine),
        Mistake("ramp_from_min_lr", "the warm-up ramps from 0, not from min_lr: lr0 * t / warmup",
                ramp_from_min_lr),
    ])
