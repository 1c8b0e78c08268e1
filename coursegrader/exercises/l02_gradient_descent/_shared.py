"""Case helpers several of lesson 02's exercises use."""
from __future__ import annotations

import numpy as np


def random_spd(seed, d):
    """A random symmetric positive definite (d, d) matrix A A^T + 0.5 I from a fixed seed."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return A @ A.T + 0.5 * np.eye(d)
