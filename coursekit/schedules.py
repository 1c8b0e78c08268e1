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
