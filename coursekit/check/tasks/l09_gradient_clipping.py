"""Lesson 09 (gradient clipping): its graded functions as a student's kernel sees them.

Three exercises: ``clip_by_value``, ``clip_by_norm`` (the default 2-norm) and ``clip_by_norm[inf]``
(the same function extended to any ``norm_type``: inf, 1, 3, ...; the student redefines it later).
"""
from __future__ import annotations

import numpy as np
import torch

from ..task import Case, Task

LESSON = "09_gradient_clipping"

# Delegating to torch counts as not doing the exercise. torch wraps these in a shared
# ``_no_grad_wrapper`` whose code object every wrapped function shares, so the tripwire is set
# on the functions inside (``__wrapped__``): calling the public name still reaches them.
FORBIDDEN = [getattr(f, "__wrapped__", f) for f in (
    torch.nn.utils.clip_grad_norm_, torch.nn.utils.clip_grad_value_,
    torch.nn.utils.get_total_norm, torch.nn.utils.clip_grads_with_norm_)]

SHAPES = [(3, 4), (4,), (2, 3, 2)]
INF = float("inf")


def grads(seed, shapes=SHAPES, scale=1.0):
    """Random gradients: one normal array per shape, times ``scale``, from a fixed seed."""
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=s) for s in shapes]


def shapes(arrays):
    """"(3, 4), (4,), (2, 3, 2)": the shapes of a list of gradients, for a label."""
    return ", ".join(str(tuple(g.shape)) for g in arrays)


def _value_visible():
    return [
        Case("[(0.5, -2, 3)], clip_value=1", ([np.array([0.5, -2.0, 3.0])], 1.0)),
        Case("two arrays (3,) and (2, 2), clip_value=1.5",
             ([np.array([-4.0, 1.0, 0.2]), np.array([[1.6, -1.4], [-0.3, 9.0]])], 1.5)),
        Case("every entry already inside [-10, 10]: nothing changes",
             ([np.array([0.5, -2.0]), np.array([[3.0], [-9.9]])], 10.0)),
        Case("an empty list of gradients gives an empty list", ([], 1.0)),
    ]


def _norm_visible():
    return [
        Case("[(3, 0), (4,)] (total norm 5), max_norm=1", ([np.array([3.0, 0.0]), np.array([4.0])], 1.0)),
        Case("total norm 5 below max_norm=10: nothing changes", ([np.array([3.0, 0.0]), np.array([4.0])], 10.0)),
        Case(f"random arrays {shapes(grads(1))}, max_norm=0.5", (grads(1), 0.5)),
        Case("a (2, 2) matrix [[0, 3], [4, 0]]: total norm 5 equal to max_norm=5, still scaled by 5 / (5 + 1e-6)",
             ([np.array([[0.0, 3.0], [4.0, 0.0]])], 5.0)),
    ]


def _p_visible():
    return [
        Case("[(3, -7), (2,)], max_norm=1, norm_type=inf (largest |entry| is 7)",
             ([np.array([3.0, -7.0]), np.array([2.0])], 1.0), {"norm_type": INF}),
        Case("[(3, -7), (2,)], max_norm=4, norm_type=1 (total norm 12)",
             ([np.array([3.0, -7.0]), np.array([2.0])], 4.0), {"norm_type": 1.0}),
        Case(f"random arrays {shapes(grads(2))}, max_norm=0.5, norm_type=inf",
             (grads(2), 0.5), {"norm_type": INF}),
        Case("[(3, -7), (2,)], max_norm=2, norm_type=3 (any p > 0)",
             ([np.array([3.0, -7.0]), np.array([2.0])], 2.0), {"norm_type": 3.0}),
        Case("a (2, 2) matrix [[1, -2], [3, 0.5]], max_norm=1, norm_type=inf (largest entry 3, not a row sum)",
             ([np.array([[1.0, -2.0], [3.0, 0.5]])], 1.0), {"norm_type": INF}),
    ]


CLIP_BY_VALUE = Task(name="clip_by_value", lesson=LESSON, parameters=("grads", "clip_value"),
                     visible=_value_visible, forbidden=FORBIDDEN)
CLIP_BY_NORM = Task(name="clip_by_norm", lesson=LESSON, parameters=("grads", "max_norm", "norm_type"),
                    visible=_norm_visible, forbidden=FORBIDDEN)
CLIP_BY_NORM_INF = Task(name="clip_by_norm[inf]", lesson=LESSON, parameters=("grads", "max_norm", "norm_type"),
                        visible=_p_visible, forbidden=FORBIDDEN)

TASKS = [CLIP_BY_VALUE, CLIP_BY_NORM, CLIP_BY_NORM_INF]
