"""warmup_cosine: hidden cases and catalogued mistakes.

Every mistake validates its arguments as the spec says (its slip is in the formula), so that the
bad-input cases separate nothing but the validation."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.schedules import warmup_cosine
from coursekit.check.tasks.l02_gradient_descent import WARMUP_COSINE, wc_case


def hidden_cases():
    cases = [
        wc_case(0.1, 0, 50, 0, note=": warmup=0, step 0 gets lr0"),
        wc_case(0.2, 0, 40, 13, min_lr=0.02, note=" (no warm-up: torch's CosineAnnealingLR)"),
        wc_case(0.5, 4, 20, 0, min_lr=0.05, note=": the ramp starts at 0, not at min_lr"),
        wc_case(0.5, 4, 20, 3, min_lr=0.05, note=": last warm-up step"),
        wc_case(0.5, 4, 20, 4, min_lr=0.05, note=": t = warmup gives lr0"),
        wc_case(0.5, 4, 20, 9, min_lr=0.05),
        wc_case(0.5, 4, 20, 20, min_lr=0.05, note=": t = total gives min_lr"),
        wc_case(0.5, 4, 20, 27, min_lr=0.05, note=": after total the rate stays at min_lr"),
        wc_case(3e-4, 500, 10000, 137),
        wc_case(3e-4, 500, 10000, 7321, min_lr=1e-5),
        wc_case(1.0, 1, 2, 1, note=": one warm-up step, one cosine step"),
        wc_case(1.0, 3, 9, 40, note=": long after total, min_lr=0"),
    ]
    rng = np.random.default_rng(250)
    for _ in range(3):
        total = int(rng.integers(20, 400))
        warmup = int(rng.integers(1, total // 2))
        t = int(rng.integers(0, total + 1))
        cases.append(wc_case(round(float(rng.uniform(0.01, 1.0)), 4), warmup, total, t,
                             min_lr=round(float(rng.uniform(0.0, 0.01)), 5), note=" (random)"))
    cases += [Case("bad input: warmup=30 > total=20 must raise ValueError", (0.1, 30, 20, 5), raises=ValueError),
              Case("bad input: warmup=-1 must raise ValueError", (0.1, -1, 20, 5), raises=ValueError),
              Case("bad input: t=-1 must raise ValueError", (0.1, 5, 20, -1), raises=ValueError)]
    return cases


def warmup_off_by_one(lr0, warmup, total, t, min_lr=0.0):
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(lr0 * (t + 1) / warmup)          # reaches lr0 one step early
    if t > total:
        return float(min_lr)
    cosine = (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup))) / 2.0
    return float(min_lr + (lr0 - min_lr) * cosine)


def warmup_from_min_lr(lr0, warmup, total, t, min_lr=0.0):
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(min_lr + (lr0 - min_lr) * t / warmup)   # ramps from min_lr, not from 0
    if t > total:
        return float(min_lr)
    cosine = (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup))) / 2.0
    return float(min_lr + (lr0 - min_lr) * cosine)


def cosine_over_total(lr0, warmup, total, t, min_lr=0.0):
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(lr0 * t / warmup)
    if t > total:
        return float(min_lr)
    cosine = (1.0 + math.cos(math.pi * (t - warmup) / total)) / 2.0      # the period ignores the warm-up
    return float(min_lr + (lr0 - min_lr) * cosine)


def cosine_not_shifted(lr0, warmup, total, t, min_lr=0.0):
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(lr0 * t / warmup)
    if t > total:
        return float(min_lr)
    cosine = (1.0 + math.cos(math.pi * t / (total - warmup))) / 2.0     # t, not t - warmup
    return float(min_lr + (lr0 - min_lr) * cosine)


def min_lr_not_subtracted(lr0, warmup, total, t, min_lr=0.0):
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(lr0 * t / warmup)
    if t > total:
        return float(min_lr)
    cosine = (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup))) / 2.0
    return float(min_lr + lr0 * cosine)                                 # lr0, not lr0 - min_lr


def climbs_after_total(lr0, warmup, total, t, min_lr=0.0):
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(lr0 * t / warmup)
    cosine = (1.0 + math.cos(math.pi * (t - warmup) / (total - warmup))) / 2.0   # no floor after total
    return float(min_lr + (lr0 - min_lr) * cosine)


EXERCISE = Exercise.of(
    WARMUP_COSINE, reference=warmup_cosine, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("warmup_off_by_one", "the warm-up is lr0 * t / warmup: step 0 gets 0 and step warmup gets lr0 "
                "(lr0 * (t + 1) / warmup reaches lr0 one step early)", warmup_off_by_one),
        Mistake("warmup_from_min_lr", "the warm-up ramps from 0, not from min_lr: lr0 * t / warmup",
                warmup_from_min_lr),
        Mistake("cosine_over_total", "the cosine runs over the total - warmup steps after the warm-up: "
                "cos(pi * (t - warmup) / (total - warmup)), not / total", cosine_over_total),
        Mistake("cosine_not_shifted", "the cosine starts when the warm-up ends: use t - warmup inside the "
                "cosine, so that t = warmup gives lr0", cosine_not_shifted),
        Mistake("min_lr_not_subtracted", "the cosine moves between lr0 and min_lr: min_lr + (lr0 - min_lr) * "
                "(1 + cos(...)) / 2, so t = warmup gives lr0 (not lr0 + min_lr)", min_lr_not_subtracted),
        Mistake("climbs_after_total", "after total the rate stays at min_lr; the cosine formula would climb "
                "again (that is what torch's CosineAnnealingLR does past T_max)", climbs_after_total),
    ])
