"""xavier_normal: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.init import xavier_normal
from coursekit.check.tasks.l08_relu import STATS_LABEL, XAVIER_NORMAL

from ._shared import STATS, used_rng


def hidden_cases():
    # statistics of 120k-200k draws: every wrong std below is off by at least 0.1 (ratio) and a
    # uniform draw by 0.1 in the share, so STATS' atol=0.02 separates them safely
    return [Case("fan_in=8, fan_out=3, rng=np.random.default_rng(20)", (8, 3, np.random.default_rng(20))),
            Case("fan_in=2, fan_out=64, gain=3 (positional)", (2, 64, np.random.default_rng(21), 3.0)),
            Case("fan_in=1, fan_out=1", (1, 1, np.random.default_rng(22))),
            Case("fan_in=100, fan_out=10, gain=5/3 (tanh's gain), a generator already used",
                 (100, 10, used_rng(23)), {"gain": 5.0 / 3.0}),
            Case("fan_in=16, fan_out=16, gain=0.7", (16, 16, np.random.default_rng(24)), {"gain": 0.7}),
            Case(f"{STATS_LABEL} of fan_in=400, fan_out=300 (std must be sqrt(2 / 700), normal)",
                 (400, 300, np.random.default_rng(25)), weight=2, **STATS),
            Case(f"{STATS_LABEL} of fan_in=30, fan_out=4000, gain=1.2", (30, 4000, np.random.default_rng(26)),
                 {"gain": 1.2}, weight=2, **STATS)]


def fan_in_only(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def he_std(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def missing_two(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(1.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def gain_ignored(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def gain_inside_sqrt(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, np.sqrt(2.0 * gain / (fan_in + fan_out)), size=(fan_in, fan_out))


def variance_as_std(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain ** 2 * 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))


def uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))  # Xavier uniform: the same std, another distribution
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def transposed(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))


EXERCISE = Exercise.of(
    XAVIER_NORMAL, reference=xavier_normal, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("fan_in_only", "std sqrt(1 / fan_in) uses the inputs only (LeCun's); Xavier averages the two "
                "fans: gain * sqrt(2 / (fan_in + fan_out))", fan_in_only),
        Mistake("he_std", "std sqrt(2 / fan_in) is He's (for ReLU); Xavier's is gain * sqrt(2 / (fan_in + fan_out))",
                he_std),
        Mistake("missing_two", "the variance is 2 / (fan_in + fan_out), one over the mean of the two fans: "
                "the 2 is missing", missing_two),
        Mistake("gain_ignored", "gain multiplies the standard deviation: gain * sqrt(2 / (fan_in + fan_out))",
                gain_ignored),
        Mistake("gain_inside_sqrt", "gain multiplies the standard deviation, outside the square root "
                "(torch: std = gain * sqrt(2 / (fan_in + fan_out)))", gain_inside_sqrt),
        Mistake("variance_as_std", "rng.normal's scale is the standard deviation gain * sqrt(2 / (fan_in + "
                "fan_out)), not the variance", variance_as_std),
        Mistake("uniform", "draws from a uniform distribution (that is xavier_uniform_); xavier_normal draws "
                "rng.normal(0, std, size)", uniform),
        Mistake("transposed", "the shape is (fan_in, fan_out), for x @ W", transposed),
    ])
