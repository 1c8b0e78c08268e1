"""Case helpers several of lesson 12's exercises use."""
from __future__ import annotations

import numpy as np


def fmt(x):
    """A short "(0.1, -2.3)" for a label."""
    return "(" + ", ".join(f"{v:.3g}" for v in np.ravel(x)) + ")"
