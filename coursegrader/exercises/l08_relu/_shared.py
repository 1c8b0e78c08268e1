"""Case helpers several of lesson 08's exercises use."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case

# statistics of 100k-200k draws: their sampling error is below 0.005; a wrong std is off by 0.1 to
# 0.5 and a uniform draw by 0.1 in the share of |w| < std, so atol=0.02 separates them safely
STATS = dict(atol=0.02, rtol=0.0)


def activation_hidden(param=None, values=()):
    """Hidden cases for f(x) or f(x, param=value): 0 exactly, |x| up to 1e3, tiny values, a grid,
    a 3-d array, every non-default value in ``values`` and two random ones."""
    rng = np.random.default_rng(800)
    cases = [Case("x=0 exactly (the convention at 0 matters)", (np.array([0.0, -0.0]),)),
             Case("x=(-1e3, 1e3): no overflow, no nan", (np.array([-1e3, 1e3]),)),
             Case("x=(-600, -40, 40, 600): sigmoid(40) rounds to 1 in float64",
                  (np.array([-600.0, -40.0, 40.0, 600.0]),)),
             Case("x=(-1e-12, 1e-12): tiny values on both sides of 0", (np.array([-1e-12, 1e-12]),)),
             Case("x = 101 points from -10 to 10 (0 included)", (np.linspace(-10, 10, 101),)),
             Case("x a (4, 5, 2) array of N(0, 3^2) draws", (rng.normal(0, 3, size=(4, 5, 2)),))]
    for v in values:
        cases.append(Case(f"x = -1e3, -3, -1e-3, 0, 1e-3, 3, 1e3 and {param}={v:g}",
                          (np.array([-1e3, -3.0, -1e-3, 0.0, 1e-3, 3.0, 1e3]),), {param: v}))
    for seed in (801, 802):
        r = np.random.default_rng(seed)
        kw = {param: float(r.uniform(0.05, 2.0))} if param else {}
        extra = f", {param}={kw[param]:.3g}" if param else ""
        cases.append(Case(f"random x (50 values, N(0, 20^2)){extra}", (r.normal(0, 20, size=50),), kw))
    return cases


def used_rng(seed):
    """A generator that has drawn 7 numbers already (a function must draw from its current state)."""
    rng = np.random.default_rng(seed)
    rng.normal(size=7)
    return rng
