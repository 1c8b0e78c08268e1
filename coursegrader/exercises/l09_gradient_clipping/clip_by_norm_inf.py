"""clip_by_norm[inf]: ``clip_by_norm`` for any ``norm_type`` (inf, 1, 3, 0.5, ...): hidden cases and
catalogued mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.clipping import clip_by_norm
from coursekit.check.tasks.l09_gradient_clipping import CLIP_BY_NORM_INF, INF, grads, shapes

from ._shared import clip_with, pnorm_entries, two_norm


def hidden_cases():
    cases = []
    for i, (p, mx, scale) in enumerate([(INF, 0.2, 1.0), (INF, 3.0, 4.0), (1.0, 2.0, 1.0), (1.0, 30.0, 2.0),
                                        (3.0, 1.0, 1.0), (0.5, 10.0, 1.0)]):
        g = grads(400 + i, scale=scale)
        cases.append(Case(f"random arrays {shapes(g)} (entries ~{scale:g}), max_norm={mx:g}, norm_type={p:g}",
                          (g, mx), {"norm_type": p}))
    cases += [
        Case("norm_type=inf, the largest |entry| is negative (-6), max_norm=2",
             ([np.array([[1.0, -6.0], [2.0, 0.5]]), np.array([3.0])], 2.0), {"norm_type": INF}),
        Case("norm_type=inf, a (4, 3) matrix of ones (largest row sum 3, largest entry 1), max_norm=0.5",
             ([np.ones((4, 3))], 0.5), {"norm_type": INF}),
        Case("norm_type=1, total norm exactly max_norm=6", ([np.array([1.0, -2.0]), np.array([[3.0]])], 6.0),
             {"norm_type": 1.0}),
        Case("norm_type=1, total norm ~22 below max_norm=40: unchanged", (grads(411), 40.0), {"norm_type": 1.0}),
        Case("norm_type=inf, zero gradients", ([np.zeros((2, 2)), np.zeros(3)], 1.0), {"norm_type": INF}),
        Case("norm_type=2 (the default still works), max_norm=0.3", (grads(410), 0.3), {"norm_type": 2.0}),
        Case("norm_type=inf, an empty list", ([], 1.0), {"norm_type": INF}, weight=0.5),
    ]
    return cases


def ignores_norm_type(grads, max_norm, norm_type=2.0):
    return clip_with(grads, max_norm, two_norm(grads))


def matrix_ord(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    per = [float(np.linalg.norm(np.asarray(g, dtype=np.float64), ord=p)) for g in grads]
    return clip_with(grads, max_norm, float(np.linalg.norm(per, ord=p)) if per else 0.0)


def combine_with_two(grads, max_norm, norm_type=2.0):
    per = [pnorm_entries([g], float(norm_type)) for g in grads]
    return clip_with(grads, max_norm, float(np.sqrt(np.sum(np.square(per)))))


def inf_sum_of_max(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if math.isinf(p):
        n = float(sum(np.abs(np.asarray(g, dtype=np.float64)).max() for g in grads if np.size(g)))
    else:
        n = pnorm_entries(grads, p)
    return clip_with(grads, max_norm, n)


def inf_no_abs(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if math.isinf(p):
        n = float(max((np.asarray(g, dtype=np.float64).max() for g in grads if np.size(g)), default=0.0))
    else:
        n = pnorm_entries(grads, p)
    return clip_with(grads, max_norm, n)


def no_root(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if math.isinf(p):
        n = pnorm_entries(grads, p)
    else:
        n = float(sum(np.sum(np.abs(np.asarray(g, dtype=np.float64)) ** p) for g in grads))
    return clip_with(grads, max_norm, n)


def per_array(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    out = [np.asarray(g, dtype=np.float64) * min(max_norm / (pnorm_entries([g], p) + 1e-6), 1.0) for g in grads]
    return out, pnorm_entries(grads, p)


EXERCISE = Exercise.of(
    CLIP_BY_NORM_INF, reference=clip_by_norm, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("ignores_norm_type", "norm_type is ignored: the total norm is always the 2-norm (for inf it is "
                "the largest |entry| over all arrays, for p it is (sum |g|**p) ** (1/p))", ignores_norm_type),
        Mistake("matrix_ord", "np.linalg.norm(g, ord=norm_type) of a 2-d array is a MATRIX norm (ord=inf: the "
                "largest row sum, ord=1: the largest column sum); the entries' norm needs g.ravel()", matrix_ord),
        Mistake("combine_with_two", "the per-array p-norms are combined with a 2-norm; combine them with the same "
                "p-norm (for inf: the max of the per-array maxima)", combine_with_two),
        Mistake("inf_sum_of_max", "for norm_type=inf the per-array maxima are added; the inf-norm of all entries "
                "is the largest of them", inf_sum_of_max),
        Mistake("inf_no_abs", "for norm_type=inf the largest entry is taken without abs(): a large negative "
                "gradient counts as much as a large positive one", inf_no_abs),
        Mistake("no_root", "the p-norm is missing its root: (sum |g|**p) ** (1/p), not sum |g|**p", no_root),
        Mistake("per_array", "each array is clipped by its own norm; the norm is global over all arrays and every "
                "array is scaled by the same factor", per_array),
    ])
