"""clip_by_norm (the default 2-norm): hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.clipping import clip_by_norm
from coursekit.check.tasks.l09_gradient_clipping import CLIP_BY_NORM, grads, shapes

from ._shared import scaled, two_norm


def hidden_cases():
    cases = []
    for i, (mx, scale) in enumerate([(0.1, 1.0), (1.0, 1.0), (3.0, 5.0), (50.0, 20.0)]):
        g = grads(300 + i, scale=scale)
        cases.append(Case(f"random arrays {shapes(g)} (entries ~{scale:g}), max_norm={mx:g}", (g, mx)))
    cases += [
        Case("total norm exactly max_norm=5: still scaled by 5 / (5 + 1e-6)",
             ([np.array([[3.0], [0.0]]), np.array([0.0, 4.0])], 5.0)),
        Case("total norm 0.6 just below max_norm=0.6000005: scaled by 0.6000005 / (0.6 + 1e-6)",
             ([np.array([0.36, 0.0]), np.array([[0.48]])], 0.6000005)),
        Case("zero gradients, max_norm=1", ([np.zeros((3, 2)), np.zeros(5)], 1.0)),
        Case(f"random arrays {shapes(grads(313))}, total norm ~5 well below max_norm=100: unchanged",
             (grads(313), 100.0)),
        Case("a single (6, 4) matrix, max_norm=2", (grads(310, [(6, 4)], 3.0), 2.0)),
        Case("one large array among small ones, max_norm=1",
             ([np.full(3, 1e-3), 1e4 * np.ones((2, 2)), np.array([-1e-2])], 1.0)),
        Case("tiny gradients ~1e-8, max_norm=1e-9: the 1e-6 in the denominator dominates",
             (grads(311, scale=1e-8), 1e-9)),
        Case("huge gradients ~1e150, max_norm=1", (grads(312, scale=1e150), 1.0)),
        Case("an empty list of gradients: total norm 0", ([], 1.0), weight=0.5),
    ]
    return cases


def only_above(grads, max_norm, norm_type=2.0):
    n = two_norm(grads)
    coef = max_norm / (n + 1e-6) if n > max_norm else 1.0
    return scaled(grads, coef), n


def no_eps(grads, max_norm, norm_type=2.0):
    n = two_norm(grads)
    coef = max_norm / n if n > max_norm else 1.0
    return scaled(grads, coef), n


def per_array(grads, max_norm, norm_type=2.0):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=np.float64)
        n = float(np.sqrt(np.sum(g ** 2)))
        out.append(g * min(max_norm / (n + 1e-6), 1.0))
    return out, two_norm(grads)


def no_clamp(grads, max_norm, norm_type=2.0):
    n = two_norm(grads)
    return scaled(grads, max_norm / (n + 1e-6)), n


def norm_after(grads, max_norm, norm_type=2.0):
    n = two_norm(grads)
    clipped = scaled(grads, min(max_norm / (n + 1e-6), 1.0))
    return clipped, two_norm(clipped)


def sum_of_norms(grads, max_norm, norm_type=2.0):
    n = sum(float(np.sqrt(np.sum(np.asarray(g, dtype=np.float64) ** 2))) for g in grads)
    return scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


def squared(grads, max_norm, norm_type=2.0):
    n = sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2)) for g in grads)
    return scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


def matrix_ord(grads, max_norm, norm_type=2.0):
    # np.linalg.norm(g, ord=2) of a matrix is its largest singular value, not the entries' 2-norm
    per = [float(np.linalg.norm(np.asarray(g, dtype=np.float64), ord=norm_type)) for g in grads]
    n = float(np.linalg.norm(per, ord=norm_type)) if per else 0.0
    return scaled(grads, min(max_norm / (n + 1e-6), 1.0)), n


EXERCISE = Exercise.of(
    CLIP_BY_NORM, reference=clip_by_norm, points=5, hidden=hidden_cases,
    mistakes=[
        Mistake("only_above", "the gradients are scaled only when total_norm > max_norm; torch always multiplies "
                "by min(max_norm / (total_norm + 1e-6), 1), which is a hair below 1 when the norm equals max_norm",
                only_above),
        Mistake("no_eps", "the factor is max_norm / total_norm; torch uses max_norm / (total_norm + 1e-6) "
                "(clamped at 1)", no_eps),
        Mistake("per_array", "each array is clipped by its own norm; clip_by_norm uses ONE global norm over all "
                "arrays together, sqrt(sum_i sum g_i**2), and scales every array by the same factor", per_array),
        Mistake("no_clamp", "the factor max_norm / (total_norm + 1e-6) is not clamped at 1: gradients whose norm "
                "is already below max_norm get scaled UP; use min(..., 1)", no_clamp),
        Mistake("norm_after", "returns the norm after clipping; return the total norm of the gradients before "
                "clipping (what torch returns, the quantity to monitor)", norm_after),
        Mistake("sum_of_norms", "the per-array norms are added; the global 2-norm is sqrt(sum of the squared "
                "per-array norms), the norm of all entries as one long vector", sum_of_norms),
        Mistake("squared", "the total norm is the sum of squares; take its square root", squared),
        Mistake("matrix_ord", "np.linalg.norm(g, ord=...) of a 2-d array is a MATRIX norm (ord=2: the largest "
                "singular value, ord=inf: the largest row sum); flatten first (g.ravel()) or use the entries",
                matrix_ord),
    ])
