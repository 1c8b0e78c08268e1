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


def xavier_normal(fan_in, fan_out, rng, gain=1.0):
    """Xavier (Glorot) normal initialisation: an (fan_in, fan_out) array with std
    ``gain * sqrt(2 / (fan_in + fan_out))``, torch's ``nn.init.xavier_normal_``.

    fan_in, fan_out: ints >= 1; rng: a ``np.random.Generator``; gain: float (``nn.init.calculate_gain``
    gives 1 for linear/sigmoid, 5/3 for tanh). Drawn in one call,
    ``rng.normal(0.0, std, size=(fan_in, fan_out))``. The std keeps the variance of the activations
    (fan_in) and of the gradients (fan_out) about constant from layer to layer, as a compromise
    between the two. Raises ``ValueError`` for a fan below 1.
    """
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"xavier_normal needs fan_in >= 1 and fan_out >= 1, got fan_in={fan_in!r}, "
                         f"fan_out={fan_out!r}")
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))
