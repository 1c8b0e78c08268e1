"""The measurements lessons' claims make most, written once so that none can pass on a sentinel.

A count found with ``np.argmax(losses < level)`` is 0 when the level is never reached, and "0 steps"
then backs "reaches the level in far fewer steps". These return ``None`` instead, and
:func:`coursekit.claims.claim_ratio` (and any claim built on them) fails on ``None``, NaN or an
empty run.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def steps_to(values: Sequence[float], level: float, *, below: bool = True) -> int | None:
    """The first index ``t`` with ``values[t] <= level`` (``>= level`` when ``below=False``): the
    steps a run took to reach the level, counting its start as step 0. ``None`` when it never does
    (an empty run, or NaN from a diverged run, never reaches anything)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore"):
        hit = v <= level if below else v >= level
    idx = np.flatnonzero(hit)
    return int(idx[0]) if idx.size else None


def first_divergence(values: Sequence[float], *, limit: float = 1e6) -> int | None:
    """The first index whose value is not finite or exceeds ``limit`` in size (the step a run blew
    up); ``None`` when the run stays finite and below it throughout."""
    v = np.asarray(values, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(v) | (np.abs(v) > limit)
    idx = np.flatnonzero(bad)
    return int(idx[0]) if idx.size else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when either is missing, not finite, or the
    denominator is 0 (a ratio of two runs where one never reached its level is no ratio)."""
    if numerator is None or denominator is None:
        return None
    n, d = float(numerator), float(denominator)
    if not (math.isfinite(n) and math.isfinite(d)) or d == 0:
        return None
    return n / d
