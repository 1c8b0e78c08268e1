"""top_eigenvalue: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.curvature import top_eigenvalue
from coursekit.check.tasks.l12_sharpness_and_stability import TOP_EIGENVALUE, MatVec, matvec_case


def symmetric(seed, dim, top=None, bottom=None):
    """A random symmetric matrix; ``top`` / ``bottom`` replace its largest / smallest eigenvalue."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    lam = np.sort(rng.uniform(-1.0, 1.0, size=dim))
    if top is not None:
        lam[-1] = top
    if bottom is not None:
        lam[0] = bottom
    return (q * lam) @ q.T


def hidden_cases():
    return [
        matvec_case("random symmetric 8 x 8 with top eigenvalue 5", symmetric(1220, 8, top=5.0)),
        matvec_case("random symmetric 8 x 8 with top eigenvalue 5, seed=7", symmetric(1220, 8, top=5.0), seed=7),
        matvec_case("random symmetric 6 x 6 whose largest magnitude is -4", symmetric(1221, 6, bottom=-4.0)),
        matvec_case("random symmetric 30 x 30 with top eigenvalue 2 (slow: next one near 1)",
                    symmetric(1222, 30, top=2.0)),
        matvec_case("H = diag(1000, 900, 850, 500, 3), tol=1e-4: the tolerance is relative to |lam|",
                    np.diag([1000.0, 900.0, 850.0, 500.0, 3.0]), tol=1e-4),
        matvec_case("random symmetric 10 x 10, top eigenvalue 3, iters=1: one iteration", symmetric(1224, 10, top=3.0),
                    iters=1),
        matvec_case("random symmetric 10 x 10, top eigenvalue 3, iters=4, seed=3", symmetric(1224, 10, top=3.0),
                    iters=4, seed=3),
        matvec_case("random symmetric 12 x 12, top eigenvalue 1.5, tol=1e-3, seed=11", symmetric(1225, 12, top=1.5),
                    tol=1e-3, seed=11),
        matvec_case("H = 0 (4 x 4): w is exactly zero, return (0.0, v) at once", np.zeros((4, 4))),
        matvec_case("H = [[2.5]] (dim=1)", [[2.5]]),
        matvec_case("H = diag(0, 0, 7) (rank 1)", np.diag([0.0, 0.0, 7.0]), seed=5),
        Case("bad input: dim=-1 must raise ValueError", (MatVec(np.eye(1)), -1), raises=ValueError),
        Case("bad input: iters=-5 must raise ValueError", (MatVec(np.eye(3)), 3), {"iters": -5}, raises=ValueError),
    ]


# --- catalogued mistakes ----------------------------------------------------------------------

def returns_norm(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    v = np.random.default_rng(seed).standard_normal(dim)
    v = v / np.linalg.norm(v)
    previous, lam = None, 0.0
    for k in range(1, iters + 1):
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        if not np.any(w):
            return 0.0, v
        lam = float(np.linalg.norm(w))  # the size of H v, not the Rayleigh quotient v . H v
        v = w / np.linalg.norm(w)
        if k >= 2 and abs(lam - previous) <= tol * max(1.0, abs(lam)):
            break
        previous = lam
    return lam, v


def start_not_normalised(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    v = np.random.default_rng(seed).standard_normal(dim)  # not divided by its norm
    previous, lam = None, 0.0
    for k in range(1, iters + 1):
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        if not np.any(w):
            return 0.0, v
        lam = float(v @ w)
        v = w / np.linalg.norm(w)
        if k >= 2 and abs(lam - previous) <= tol * max(1.0, abs(lam)):
            break
        previous = lam
    return lam, v


def absolute_tolerance(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    v = np.random.default_rng(seed).standard_normal(dim)
    v = v / np.linalg.norm(v)
    previous, lam = None, 0.0
    for k in range(1, iters + 1):
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        if not np.any(w):
            return 0.0, v
        lam = float(v @ w)
        v = w / np.linalg.norm(w)
        if k >= 2 and abs(lam - previous) <= tol:  # absolute: ignores max(1, |lam|)
            break
        previous = lam
    return lam, v


def legacy_rng(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    np.random.seed(seed)
    v = np.random.randn(dim)  # numpy's legacy generator: other numbers than default_rng(seed)
    v = v / np.linalg.norm(v)
    previous, lam = None, 0.0
    for k in range(1, iters + 1):
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        if not np.any(w):
            return 0.0, v
        lam = float(v @ w)
        v = w / np.linalg.norm(w)
        if k >= 2 and abs(lam - previous) <= tol * max(1.0, abs(lam)):
            break
        previous = lam
    return lam, v


def never_stops(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    v = np.random.default_rng(seed).standard_normal(dim)
    v = v / np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):  # always every iteration: tol is never used
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        if not np.any(w):
            return 0.0, v
        lam = float(v @ w)
        v = w / np.linalg.norm(w)
    return lam, v


def zero_not_handled(hvp_fn, dim, *, iters=200, tol=1e-10, seed=0):
    if dim < 1 or iters < 1:
        raise ValueError("dim and iters must be at least 1")
    v = np.random.default_rng(seed).standard_normal(dim)
    v = v / np.linalg.norm(v)
    previous, lam = None, 0.0
    for k in range(1, iters + 1):
        w = np.asarray(hvp_fn(v), dtype=np.float64)
        lam = float(v @ w)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = w / np.linalg.norm(w)  # 0 / 0 when H v = 0
        if k >= 2 and abs(lam - previous) <= tol * max(1.0, abs(lam)):
            break
        previous = lam
    return lam, v


EXERCISE = Exercise.of(
    TOP_EIGENVALUE, reference=top_eigenvalue, points=5, hidden=hidden_cases,
    mistakes=[
        Mistake("returns_norm", "lam is norm(H v), which loses the sign (and is not the estimate the stopping "
                "rule compares): the eigenvalue estimate is the Rayleigh quotient lam = v @ H v", returns_norm),
        Mistake("start_not_normalised", "the starting vector rng.standard_normal(dim) must be divided by its norm "
                "before the first iteration (lam = v @ H v is an eigenvalue estimate only for norm(v) = 1)",
                start_not_normalised),
        Mistake("absolute_tolerance", "the stopping rule is relative: stop when |lam - previous lam| <= "
                "tol * max(1, |lam|), not <= tol", absolute_tolerance),
        Mistake("legacy_rng", "the start comes from np.random.default_rng(seed).standard_normal(dim), not from "
                "np.random.seed / np.random.randn (another generator, other numbers)", legacy_rng),
        Mistake("never_stops", "runs every one of the iters iterations: stop after the first iteration k >= 2 "
                "whose lam changed by at most tol * max(1, |lam|)", never_stops),
        Mistake("zero_not_handled", "when H v is exactly zero, w / norm(w) is 0 / 0 (NaN): return (0.0, v) "
                "at once", zero_not_handled),
    ])
