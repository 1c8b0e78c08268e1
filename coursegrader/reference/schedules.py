"""Lesson 02: learning-rate schedules. ``t`` is the step (or epoch) counter, starting at 0."""
from __future__ import annotations

import math


def time_based_decay(lr0, decay, t):
    """``lr0 / (1 + decay * t)``: lr0 at t = 0, halved at t = 1 / decay."""
    return float(lr0 / (1.0 + decay * t))


def step_decay(lr0, drop, every, t):
    """``lr0 * drop ** (t // every)``: multiplied by ``drop`` every ``every`` steps (a staircase)."""
    return float(lr0 * drop ** (t // every))


def exponential_decay(lr0, k, t):
    """``lr0 * exp(-k * t)``: a smooth version of step decay."""
    return float(lr0 * math.exp(-k * t))


def warmup_cosine(lr0, warmup, total, t, min_lr=0.0):
    """Linear warm-up for ``warmup`` steps, then cosine decay from ``lr0`` to ``min_lr`` at ``total``.

    lr0, min_lr: floats; warmup, total, t: integers with ``0 <= warmup < total`` and ``t >= 0``
    (``t`` is the step being taken, counted from 0). Returns a float:

    - ``lr0 * t / warmup`` for ``t < warmup``: the ramp starts at 0 (not at ``min_lr``) and reaches
      ``lr0`` at ``t = warmup``; with ``warmup = 0`` there is no ramp and step 0 gets ``lr0``;
    - ``min_lr + (lr0 - min_lr) * (1 + cos(pi * (t - warmup) / (total - warmup))) / 2`` for
      ``warmup <= t <= total``: half a cosine period over the ``total - warmup`` steps after the
      warm-up, ``lr0`` at ``t = warmup``, ``min_lr`` at ``t = total``;
    - ``min_lr`` for ``t > total`` (torch's ``CosineAnnealingLR`` would climb again there).

    With ``warmup = 0`` this is ``CosineAnnealingLR(T_max=total, eta_min=min_lr)`` at every step up to
    ``total``; with ``min_lr = 0``, transformers' ``get_cosine_schedule_with_warmup``.
    Raises ``ValueError`` unless ``0 <= warmup < total`` and ``t >= 0``.
    """
    if not 0 <= warmup < total:
        raise ValueError(f"warmup_cosine needs 0 <= warmup < total (a warm-up shorter than the schedule), "
                         f"got warmup={warmup!r}, total={total!r}")
    if t < 0:
        raise ValueError(f"warmup_cosine: t counts steps from 0 and cannot be negative, got t={t!r}")
    if t < warmup:
        return float(lr0 * t / warmup)
    if t > total:
        return float(min_lr)
    progress = (t - warmup) / (total - warmup)
    return float(min_lr + (lr0 - min_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0)
