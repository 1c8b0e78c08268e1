"""Case helpers several of lesson 06's exercises use."""
from __future__ import annotations

from coursekit.check.tasks.l06_backprop import rng


def relu_x(seed, shape):
    """Seeded normal ``x`` of ``shape`` with every fifth entry exactly 0 (relu'(0) matters)."""
    x = rng(seed).normal(size=shape)
    x.flat[::5] = 0.0
    return x
