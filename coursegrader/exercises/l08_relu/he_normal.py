"""he_normal: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.init import he_normal
from coursekit.check.tasks.l08_relu import HE_NORMAL, STATS_LABEL

from ._shared import STATS, used_rng


def hidden_cases():
    cases = [Case("fan_in=8, fan_out=3, rng=np.random.default_rng(10)", (8, 3, np.random.default_rng(10))),
             Case("fan_in=2, fan_out=64, rng=np.random.default_rng(11)", (2, 64, np.random.default_rng(11))),
             Case("fan_in=1, fan_out=1", (1, 1, np.random.default_rng(12))),
             Case("fan_in=128, fan_out=5, a generator already used once", (128, 5, used_rng(13)))]
    cases += [Case(f"{STATS_LABEL} of fan_in=400, fan_out=300 (std must be sqrt(2/400), normal)",
                   (400, 300, np.random.default_rng(14)), weight=2, **STATS),
              Case(f"{STATS_LABEL} of fan_in=50, fan_out=4000", (50, 4000, np.random.default_rng(15)), weight=2, **STATS)]
    return cases


def lecun_std(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def xavier_std(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def fan_out(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))


def uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / fan_in)   # He uniform: the same std, another distribution
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def variance_as_std(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))


def transposed(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))


EXERCISE = Exercise.of(
    HE_NORMAL, reference=he_normal, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("lecun_std", "std sqrt(1 / fan_in) is LeCun's initialisation; He's is sqrt(2 / fan_in) "
                "(the 2 makes up for ReLU zeroing half of its inputs)", lecun_std),
        Mistake("xavier_std", "std sqrt(2 / (fan_in + fan_out)) is Glorot/Xavier's; He's is sqrt(2 / fan_in)",
                xavier_std),
        Mistake("fan_out", "He's std uses fan_in (the number of inputs of a unit): sqrt(2 / fan_in)", fan_out),
        Mistake("uniform", "draws from a uniform distribution; he_normal draws rng.normal(0, std, size)", uniform),
        Mistake("variance_as_std", "rng.normal's scale is the standard deviation sqrt(2 / fan_in), "
                "not the variance 2 / fan_in", variance_as_std),
        Mistake("transposed", "the shape is (fan_in, fan_out), for x @ W", transposed),
    ])
