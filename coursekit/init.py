"""Lesson 08: weight initialisation."""
from __future__ import annotations

import numpy as np


def he_normal(fan_in, fan_out, rng):
    """He (Kaiming) normal initialisation: an (fan_in, fan_out) array with std ``sqrt(2 / fan_in)``.

    Drawn in one call, ``rng.normal(0.0, std, size=(fan_in, fan_out))``, so the same generator
    state gives the same array. For ``x @ W`` layers (the course's convention); a torch
    ``nn.Linear`` stores the transpose, ``weight = W.T`` of shape (fan_out, fan_in).
    """
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
