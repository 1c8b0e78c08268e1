"""Lesson 09 (gradient clipping): cases and known mistakes.

Three exercises: ``clip_by_value``, ``clip_by_norm`` (the default 2-norm) and ``clip_by_norm[inf]``
(the same function extended to any ``norm_type``: inf, 1, 3, ...; the student redefines it later).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.clipping import clip_by_norm, clip_by_value

LESSON = "09_gradient_clipping"

# Delegating to torch counts as not doing the exercise. torch wraps these in a shared
# ``_no_grad_wrapper`` whose code object every wrapped function shares, so the tripwire is set
# on the functions inside (``__wrapped__``): calling the public name still reaches them.
FORBIDDEN = [getattr(f, "__wrapped__", f) for f in (
    torch.nn.utils.clip_grad_norm_, torch.nn.utils.clip_grad_value_,
    torch.nn.utils.get_total_norm, torch.nn.utils.clip_grads_with_norm_)]

SHAPES = [(3, 4), (4,), (2, 3, 2)]


def _grads(seed, shapes=SHAPES, scale=1.0):
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=s) for s in shapes]


def _shapes(grads):
    return ", ".join(str(tuple(g.shape)) for g in grads)


# --- clip_by_value ------------------------------------------------------------------------

def _value_cases(hidden):
    if not hidden:
        return [
            Case("[(0.5, -2, 3)], clip_value=1", ([np.array([0.5, -2.0, 3.0])], 1.0)),
            Case("two arrays (3,) and (2, 2), clip_value=1.5",
                 ([np.array([-4.0, 1.0, 0.2]), np.array([[1.6, -1.4], [-0.3, 9.0]])], 1.5)),
            Case("every entry already inside [-10, 10]: nothing changes",
                 ([np.array([0.5, -2.0]), np.array([[3.0], [-9.9]])], 10.0)),
        ]
    cases = []
    for i, (c, scale) in enumerate([(0.3, 1.0), (2.5, 3.0), (1e-3, 1.0), (50.0, 100.0)]):
        g = _grads(200 + i, scale=scale)
        cases.append(Case(f"random arrays {_shapes(g)} (entries ~{scale:g}), clip_value={c:g}", (g, c)))
    cases += [
        Case("only negative entries exceed: [(-5, 0.1, -0.3)], clip_value=0.5", ([np.array([-5.0, 0.1, -0.3])], 0.5)),
        Case("entries exactly at -c and +c stay", ([np.array([-2.0, 2.0, 1.0]), np.array([[2.0, -2.0]])], 2.0)),
        Case("zero gradients", ([np.zeros((2, 3)), np.zeros(4)], 1.0)),
        Case("huge entries ~1e8, clip_value=1e3", (_grads(210, scale=1e8), 1e3)),
        Case("a single (5, 1) array, clip_value=0.7", ([np.array([[3.0], [-0.2], [-0.9], [0.69], [0.71]])], 0.7)),
        Case("an empty list of gradients", ([], 1.0), weight=0.5),
    ]
    return cases


def _cv_upper_only(grads, clip_value):
    return [np.minimum(np.asarray(g, dtype=np.float64), clip_value) for g in grads]


def _cv_zero_to_c(grads, clip_value):
    return [np.clip(np.asarray(g, dtype=np.float64), 0.0, clip_value) for g in grads]


def _cv_rescales(grads, clip_value):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        m = np.abs(g).max() if g.size else 0.0
        out.append(g * (clip_value / m) if m > clip_value else g.copy())
    return out


def _cv_fixed_one(grads, clip_value):
    return [np.clip(np.asarray(g, dtype=np.float64), -1.0, 1.0) for g in grads]


register(Exercise(
    name="clip_by_value", lesson=LESSON, reference=clip_by_value, points=3,
    visible=lambda: _value_cases(False), hidden=lambda: _value_cases(True), forbidden=FORBIDDEN,
    mistakes=[
        Mistake("upper_only", "only the upper side is clipped: large negative entries must become "
                "-clip_value too (clamp to [-clip_value, clip_value], e.g. np.clip(g, -c, c))", _cv_upper_only),
        Mistake("zero_to_c", "entries are clamped to [0, clip_value]: the lower bound is -clip_value, "
                "negative gradients must keep their sign", _cv_zero_to_c),
        Mistake("rescales", "each array is rescaled so its largest entry is clip_value; clipping by value "
                "clamps every entry on its own and leaves the entries inside the range unchanged", _cv_rescales),
        Mistake("fixed_one", "the argument clip_value is ignored (entries are clamped to [-1, 1])", _cv_fixed_one),
    ]))


# --- clip_by_norm (2-norm) ------------------------------------------------------------------

def _norm_cases(hidden):
    if not hidden:
        return [
            Case("[(3, 0), (4,)] (total norm 5), max_norm=1", ([np.array([3.0, 0.0]), np.array([4.0])], 1.0)),
            Case("total norm 5 below max_norm=10: nothing changes", ([np.array([3.0, 0.0]), np.array([4.0])], 10.0)),
            Case(f"random arrays {_shapes(_grads(1))}, max_norm=0.5", (_grads(1), 0.5)),
        ]
    cases = []
    for i, (mx, scale) in enumerate([(0.1, 1.0), (1.0, 1.0), (3.0, 5.0), (50.0, 20.0)]):
        g = _grads(300 + i, scale=scale)
        cases.append(Case(f"random arrays {_shapes(g)} (entries ~{scale:g}), max_norm={mx:g}", (g, mx)))
    cases += [
        Case("total norm exactly max_norm=5: still scaled by 5 / (5 + 1e-6)",
             ([np.array([[3.0], [0.0]]), np.array([0.0, 4.0])], 5.0)),
        Case("total norm 0.6 just below max_norm=0.6000005: scaled by 0.6000005 / (0.6 + 1e-6)",
             ([np.array([0.36, 0.0]), np.array([[0.48]])], 0.6000005)),
        Case("zero gradients, max_norm=1", ([np.zeros((3, 2)), np.zeros(5)], 1.0)),
        Case(f"random arrays {_shapes(_grads(313))}, total norm ~5 well below max_norm=100: unchanged",
             (_grads(313), 100.0)),
        Case("a single (6, 4) matrix, max_norm=2", (_grads(310, [(6, 4)], 3.0), 2.0)),
        Case("one large array among small ones, max_norm=1",
             ([np.full(3, 1e-3), 1e4 * np.ones((2, 2)), np.array([-1e-2])], 1.0)),
        Case("tiny gradients ~1e-8, max_norm=1e-9: the 1e-6 in the denominator dominates",
             (_grads(311, scale=1e-8), 1e-9)),
        Case("huge gradients ~1e150, max_norm=1", (_grads(312, scale=1e150), 1.0)),
        Case("an empty list of gradients: total norm 0", ([], 1.0), weight=0.5),
    ]
    return cases


def _two_norm(grads):
    return math.sqrt(sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads))


def _scaled(grads, coef):
    return [np.asarray(g, dtype=np.float64) * coef for g in grads]


def _cn_per_array(grads, max_norm, norm_type=2.0):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        n = float(np.sqrt(np.sum(g ** 2)))
        out.append(g * min(max_norm / (n + 1e-6), 1.0))
    return out, _two_norm(grads)


def _cn_no_eps(grads, max_norm, norm_type=2.0):
    n = _two_norm(grads)
    coef = max_norm / n if n > max_norm else 1.0
    return _scaled(grads, coef), n


def _cn_only_above(grads, max_norm, norm_type=2.0):
    n = _two_norm(grads)
    coef = max_norm / (n + 1e-6) if n > max_norm else 1.0
    return _scaled(grads, coef), n


def _cn_no_clamp(grads, max_norm, norm_type=2.0):
    n = _two_norm(grads)
    return _scaled(grads, max_norm / (n + 1e-6)), n


def _cn_norm_after(grads, max_norm, norm_type=2.0):
    n = _two_norm(grads)
    clipped = _scaled(grads, min(max_norm / (n + 1e-6), 1.0))
    return clipped, _two_norm(clipped)


def _cn_sum_of_norms(grads, max_norm, norm_type=2.0):
    n = sum(float(np.sqrt(np.sum(np.asarray(g, dtype=np.float64) ** 2))) for g in grads)
    return _scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


def _cn_squared(grads, max_norm, norm_type=2.0):
    n = sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads)
    return _scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


def _cn_matrix_ord(grads, max_norm, norm_type=2.0):
    # np.linalg.norm(g, ord=2) of a matrix is its largest singular value, not the entries' 2-norm
    per = [float(np.linalg.norm(np.asarray(g, dtype=np.float64), ord=norm_type)) for g in grads]
    n = float(np.linalg.norm(per, ord=norm_type)) if per else 0.0
    return _scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


NORM_MISTAKES = [
    Mistake("only_above", "the gradients are scaled only when total_norm > max_norm; torch always multiplies by "
            "min(max_norm / (total_norm + 1e-6), 1), which is a hair below 1 when the norm equals max_norm",
            _cn_only_above),
    Mistake("no_eps", "the factor is max_norm / total_norm; torch uses max_norm / (total_norm + 1e-6) "
            "(clamped at 1)", _cn_no_eps),
    Mistake("per_array", "each array is clipped by its own norm; clip_by_norm uses ONE global norm over all "
            "arrays together, sqrt(sum_i sum g_i**2), and scales every array by the same factor", _cn_per_array),
    Mistake("no_clamp", "the factor max_norm / (total_norm + 1e-6) is not clamped at 1: gradients whose norm is "
            "already below max_norm get scaled UP; use min(..., 1)", _cn_no_clamp),
    Mistake("norm_after", "returns the norm after clipping; return the total norm of the gradients before "
            "clipping (what torch returns, the quantity to monitor)", _cn_norm_after),
    Mistake("sum_of_norms", "the per-array norms are added; the global 2-norm is sqrt(sum of the squared "
            "per-array norms), the norm of all entries as one long vector", _cn_sum_of_norms),
    Mistake("squared", "the total norm is the sum of squares; take its square root", _cn_squared),
    Mistake("matrix_ord", "np.linalg.norm(g, ord=...) of a 2-d array is a MATRIX norm (ord=2: the largest "
            "singular value, ord=inf: the largest row sum); flatten first (g.ravel()) or use the entries",
            _cn_matrix_ord),
]

register(Exercise(
    name="clip_by_norm", lesson=LESSON, reference=clip_by_norm, points=5,
    visible=lambda: _norm_cases(False), hidden=lambda: _norm_cases(True), forbidden=FORBIDDEN,
    mistakes=NORM_MISTAKES))


# --- clip_by_norm with norm_type (inf, 1, p) ----------------------------------------------------

INF = float("inf")


def _p_cases(hidden):
    if not hidden:
        return [
            Case("[(3, -7), (2,)], max_norm=1, norm_type=inf (largest |entry| is 7)",
                 ([np.array([3.0, -7.0]), np.array([2.0])], 1.0), {"norm_type": INF}),
            Case("[(3, -7), (2,)], max_norm=4, norm_type=1 (total norm 12)",
                 ([np.array([3.0, -7.0]), np.array([2.0])], 4.0), {"norm_type": 1.0}),
            Case(f"random arrays {_shapes(_grads(2))}, max_norm=0.5, norm_type=inf",
                 (_grads(2), 0.5), {"norm_type": INF}),
        ]
    cases = []
    for i, (p, mx, scale) in enumerate([(INF, 0.2, 1.0), (INF, 3.0, 4.0), (1.0, 2.0, 1.0), (1.0, 30.0, 2.0),
                                        (3.0, 1.0, 1.0), (0.5, 10.0, 1.0)]):
        g = _grads(400 + i, scale=scale)
        cases.append(Case(f"random arrays {_shapes(g)} (entries ~{scale:g}), max_norm={mx:g}, norm_type={p:g}",
                          (g, mx), {"norm_type": p}))
    cases += [
        Case("norm_type=inf, the largest |entry| is negative (-6), max_norm=2",
             ([np.array([[1.0, -6.0], [2.0, 0.5]]), np.array([3.0])], 2.0), {"norm_type": INF}),
        Case("norm_type=inf, a (4, 3) matrix of ones (largest row sum 3, largest entry 1), max_norm=0.5",
             ([np.ones((4, 3))], 0.5), {"norm_type": INF}),
        Case("norm_type=1, total norm exactly max_norm=6", ([np.array([1.0, -2.0]), np.array([[3.0]])], 6.0),
             {"norm_type": 1.0}),
        Case("norm_type=1, total norm ~22 below max_norm=40: unchanged", (_grads(411), 40.0), {"norm_type": 1.0}),
        Case("norm_type=inf, zero gradients", ([np.zeros((2, 2)), np.zeros(3)], 1.0), {"norm_type": INF}),
        Case("norm_type=2 (the default still works), max_norm=0.3", (_grads(410), 0.3), {"norm_type": 2.0}),
        Case("norm_type=inf, an empty list", ([], 1.0), {"norm_type": INF}, weight=0.5),
    ]
    return cases


def _pnorm_entries(grads, p):
    flat = np.concatenate([np.abs(np.asarray(g, dtype=np.float64)).ravel() for g in grads]) if grads else np.zeros(0)
    if math.isinf(p):
        return float(flat.max()) if flat.size else 0.0
    return float(np.sum(flat ** p) ** (1.0 / p))


def _clip_with(grads, max_norm, n):
    return _scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


def _p_ignores(grads, max_norm, norm_type=2.0):
    return _clip_with(grads, max_norm, _two_norm(grads))


def _p_matrix_ord(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    per = [float(np.linalg.norm(np.asarray(g, dtype=np.float64), ord=p)) for g in grads]
    return _clip_with(grads, max_norm, float(np.linalg.norm(per, ord=p)) if per else 0.0)


def _p_combine_two(grads, max_norm, norm_type=2.0):
    per = [_pnorm_entries([g], float(norm_type)) for g in grads]
    return _clip_with(grads, max_norm, float(np.sqrt(np.sum(np.square(per)))))


def _p_inf_sum_max(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if math.isinf(p):
        n = float(sum(np.abs(np.asarray(g, dtype=np.float64)).max() for g in grads if np.size(g)))
    else:
        n = _pnorm_entries(grads, p)
    return _clip_with(grads, max_norm, n)


def _p_inf_no_abs(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if math.isinf(p):
        n = float(max((np.asarray(g, dtype=np.float64).max() for g in grads if np.size(g)), default=0.0))
    else:
        n = _pnorm_entries(grads, p)
    return _clip_with(grads, max_norm, n)


def _p_no_root(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if math.isinf(p):
        n = _pnorm_entries(grads, p)
    else:
        n = float(sum(np.sum(np.abs(np.asarray(g, dtype=np.float64)) ** p) for g in grads))
    return _clip_with(grads, max_norm, n)


def _p_per_array(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    out = [np.asarray(g, dtype=np.float64) * min(max_norm / (_pnorm_entries([g], p) + 1e-6), 1.0) for g in grads]
    return out, _pnorm_entries(grads, p)


register(Exercise(
    name="clip_by_norm[inf]", lesson=LESSON, reference=clip_by_norm, points=4,
    visible=lambda: _p_cases(False), hidden=lambda: _p_cases(True), forbidden=FORBIDDEN,
    mistakes=[
        Mistake("ignores_norm_type", "norm_type is ignored: the total norm is always the 2-norm (for inf it is "
                "the largest |entry| over all arrays, for p it is (sum |g|**p) ** (1/p))", _p_ignores),
        Mistake("matrix_ord", "np.linalg.norm(g, ord=norm_type) of a 2-d array is a MATRIX norm (ord=inf: the "
                "largest row sum, ord=1: the largest column sum); the entries' norm needs g.ravel()", _p_matrix_ord),
        Mistake("combine_with_two", "the per-array p-norms are combined with a 2-norm; combine them with the same "
                "p-norm (for inf: the max of the per-array maxima)", _p_combine_two),
        Mistake("inf_sum_of_max", "for norm_type=inf the per-array maxima are added; the inf-norm of all entries is "
                "the largest of them", _p_inf_sum_max),
        Mistake("inf_no_abs", "for norm_type=inf the largest entry is taken without abs(): a large negative "
                "gradient counts as much as a large positive one", _p_inf_no_abs),
        Mistake("no_root", "the p-norm is missing its root: (sum |g|**p) ** (1/p), not sum |g|**p", _p_no_root),
        Mistake("per_array", "each array is clipped by its own norm; the norm is global over all arrays and every "
                "array is scaled by the same factor", _p_per_array),
    ]))
