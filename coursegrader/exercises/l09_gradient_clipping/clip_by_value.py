"""clip_by_value: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.clipping import clip_by_value
from coursekit.check.tasks.l09_gradient_clipping import CLIP_BY_VALUE, grads, shapes


def hidden_cases():
    cases = []
    for i, (c, scale) in enumerate([(0.3, 1.0), (2.5, 3.0), (1e-3, 1.0), (50.0, 100.0)]):
        g = grads(200 + i, scale=scale)
        cases.append(Case(f"random arrays {shapes(g)} (entries ~{scale:g}), clip_value={c:g}", (g, c)))
    cases += [
        Case("only negative entries exceed: [(-5, 0.1, -0.3)], clip_value=0.5", ([np.array([-5.0, 0.1, -0.3])], 0.5)),
        Case("entries exactly at -c and +c stay", ([np.array([-2.0, 2.0, 1.0]), np.array([[2.0, -2.0]])], 2.0)),
        Case("zero gradients", ([np.zeros((2, 3)), np.zeros(4)], 1.0)),
        Case("huge entries ~1e8, clip_value=1e3", (grads(210, scale=1e8), 1e3)),
        Case("a single (5, 1) array, clip_value=0.7", ([np.array([[3.0], [-0.2], [-0.9], [0.69], [0.71]])], 0.7)),
        Case("an empty list of gradients", ([], 1.0), weight=0.5),
    ]
    return cases


def upper_only(grads, clip_value):
    return [np.minimum(np.asarray(g, dtype=np.float64), clip_value) for g in grads]


def zero_to_c(grads, clip_value):
    return [np.clip(np.asarray(g, dtype=np.float64), 0.0, clip_value) for g in grads]


def rescales(grads, clip_value):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        m = np.abs(g).max() if g.size else 0.0
        out.append(g * (clip_value / m) if m > clip_value else g.copy())
    return out


def fixed_one(grads, clip_value):
    return [np.clip(np.asarray(g, dtype=np.float64), -1.0, 1.0) for g in grads]


EXERCISE = Exercise.of(
    CLIP_BY_VALUE, reference=clip_by_value, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("upper_only", "only the upper side is clipped: large negative entries must become "
                "-clip_value too (clamp to [-clip_value, clip_value], e.g. np.clip(g, -c, c))", upper_only),
        Mistake("zero_to_c", "entries are clamped to [0, clip_value]: the lower bound is -clip_value, "
                "negative gradients must keep their sign", zero_to_c),
        Mistake("rescales", "each array is rescaled so its largest entry is clip_value; clipping by value "
                "clamps every entry on its own and leaves the entries inside the range unchanged", rescales),
        Mistake("fixed_one", "the argument clip_value is ignored (entries are clamped to [-1, 1])", fixed_one),
    ])
