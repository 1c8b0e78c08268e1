"""Learning-rate schedules: lesson 02's, and lesson 11's warmup-stable-decay. ``t`` is the step (or
epoch) counter, starting at 0."""
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


WSD_SHAPES = ("linear", "cosine", "1-sqrt")


def wsd_schedule(lr0, warmup, stable, decay, t, min_lr=0.0, shape="linear"):
    """Warmup-stable-decay: a ramp, a long plateau at ``lr0``, a short decay to ``min_lr``.

    lr0, min_lr: floats; warmup, stable, decay, t: integers (``t`` is the step being taken, from 0).
    Returns a float:

    - ``lr0 * t / warmup`` for ``t < warmup`` (the ramp starts at 0, as ``warmup_cosine``'s);
    - ``lr0`` for ``warmup <= t < warmup + stable``;
    - with ``f = (t - warmup - stable) / decay``: ``min_lr + (lr0 - min_lr) * s(f)`` while ``f < 1``,
      ``s(f) = 1 - f`` (``"linear"``), ``(1 + cos(pi f)) / 2`` (``"cosine"``) or ``1 - sqrt(f)``
      (``"1-sqrt"``, Hägele et al., 2024): the decay starts at ``lr0`` at ``t = warmup + stable``;
    - ``min_lr`` from ``t = warmup + stable + decay`` on.

    ``warmup=0, stable=0, shape="cosine"`` is torch's ``CosineAnnealingLR(T_max=decay,
    eta_min=min_lr)`` up to ``decay``. Raises ``ValueError`` for a negative ``warmup``, ``stable`` or
    ``t``, for ``decay < 1``, or an unknown ``shape``.
    """
    if warmup < 0 or stable < 0:
        raise ValueError(f"wsd_schedule: warmup and stable are numbers of steps, >= 0; got warmup={warmup!r}, "
                         f"stable={stable!r}")
    if decay < 1:
        raise ValueError(f"wsd_schedule: the decay phase needs at least one step, got decay={decay!r}")
    if t < 0:
        raise ValueError(f"wsd_schedule: t counts steps from 0 and cannot be negative, got t={t!r}")
    if shape not in WSD_SHAPES:
        raise ValueError(f"wsd_schedule: shape must be one of {WSD_SHAPES}, got {shape!r}")
    if t < warmup:
        return float(lr0 * t / warmup)
    if t < warmup + stable:
        return float(lr0)
    f = (t - warmup - stable) / decay
    if f >= 1:
        return float(min_lr)
    if shape == "linear":
        s = 1.0 - f
    elif shape == "cosine":
        s = (1.0 + math.cos(math.pi * f)) / 2.0
    else:
        s = 1.0 - math.sqrt(f)
    return float(min_lr + (lr0 - min_lr) * s)
