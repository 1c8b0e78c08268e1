"""newton_schulz: hidden cases and catalogued mistakes (each a complete wrong iteration)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.muon import newton_schulz
from coursekit.check.tasks.l11_modern_optimizers import NEWTON_SCHULZ, ns_case


def hidden():
    """Tall, wide and square matrices, every option, rank-deficient and tiny ones, bad input."""
    rng = np.random.default_rng(1110)
    square = rng.normal(size=(6, 6))
    low_rank = rng.normal(size=(7, 2)) @ rng.normal(size=(2, 5))
    return [
        ns_case("random 8 x 5 (tall)", rng.normal(size=(8, 5))),
        ns_case("random 5 x 8 (wide)", rng.normal(size=(5, 8))),
        ns_case("random 6 x 6", square),
        ns_case("random 6 x 6", square, steps=1),
        ns_case("random 4 x 9", rng.normal(size=(4, 9)), steps=10),
        ns_case("random 9 x 4 times 1000 (the normalisation matters)", 1000.0 * rng.normal(size=(9, 4)), steps=3),
        ns_case("random 5 x 3, the classic cubic iteration", rng.normal(size=(5, 3)), coefficients=(1.5, -0.5, 0.0)),
        ns_case("random 3 x 7", rng.normal(size=(3, 7)), coefficients=(2.0, -1.5, 0.5), steps=4),
        ns_case("rank-2 7 x 5 (zero singular values stay 0)", low_rank),
        ns_case("random 4 x 4 times 1e-3, eps=0.5 (norm below eps: divided by eps)", 1e-3 * rng.normal(size=(4, 4)),
                eps=0.5),
        ns_case("zeros (3 x 4): stays 0", np.zeros((3, 4))),
        ns_case("one row (1 x 6)", rng.normal(size=(1, 6))),
        ns_case("one column (6 x 1)", rng.normal(size=(6, 1))),
        ns_case("diag(3, 1, 0.1) (singular values kept apart)", np.diag([3.0, 1.0, 0.1])),
        Case("bad input: G of shape (2, 2, 2) must raise ValueError", (np.ones((2, 2, 2)),), raises=ValueError),
        Case("bad input: steps=100 must raise ValueError", (np.eye(2),), {"steps": 100}, raises=ValueError),
        Case("bad input: steps=-1 must raise ValueError", (np.eye(2),), {"steps": -1}, raises=ValueError),
        Case("bad input: a vector of shape (4,) must raise ValueError", (np.arange(4.0),), raises=ValueError),
    ]


def checked(G, steps):
    """The spec's input checks (every mistake below validates like the reference: the mistakes are
    in the iteration)."""
    X = np.asarray(G, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"G must be 2-D, got shape {X.shape}")
    if not 0 <= steps < 100:
        raise ValueError(f"need 0 <= steps < 100, got {steps}")
    return X


def no_normalisation(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    X = checked(G, steps)
    a, b, c = coefficients
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    for _ in range(steps):  # no X / norm(X) first
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


def spectral_norm(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    X = checked(G, steps)
    a, b, c = coefficients
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    X = X / max(float(np.linalg.norm(X, 2)), eps)  # the largest singular value, not the Frobenius norm
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


def coefficients_swapped(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    X = checked(G, steps)
    a, b, c = coefficients
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    X = X / max(float(np.linalg.norm(X)), eps)
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (c * A + b * A @ A) @ X  # b and c swapped
    return X.T if tall else X


def not_transposed_back(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    X = checked(G, steps)
    a, b, c = coefficients
    if X.shape[0] > X.shape[1]:
        X = X.T
    X = X / max(float(np.linalg.norm(X)), eps)
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X  # a tall G comes back with the shape of G.T


def no_eps_floor(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    X = checked(G, steps)
    a, b, c = coefficients
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    with np.errstate(invalid="ignore", divide="ignore"):
        X = X / np.linalg.norm(X)  # no max(..., eps): 0 / 0 for a zero matrix
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


def cubic_iteration(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    X = checked(G, steps)
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    X = X / max(float(np.linalg.norm(X)), eps)
    for _ in range(steps):  # the textbook cubic iteration, whatever the coefficients say
        X = 1.5 * X - 0.5 * (X @ X.T) @ X
    return X.T if tall else X


EXERCISE = Exercise.of(
    NEWTON_SCHULZ, reference=newton_schulz, points=4, hidden=hidden,
    mistakes=[
        Mistake("no_normalisation", "X is first divided by its Frobenius norm, X / max(norm(X), eps): without it "
                "the singular values start above 1 and the polynomial blows them up", no_normalisation),
        Mistake("spectral_norm", "the normalisation divides by the Frobenius norm, np.linalg.norm(X) (cheap, and at "
                "least the largest singular value), not by the largest singular value itself", spectral_norm),
        Mistake("coefficients_swapped", "with (a, b, c) = coefficients: B = b * A + c * A @ A, then X = a * X + B @ X "
                "(b goes with A, c with A @ A)", coefficients_swapped),
        Mistake("not_transposed_back", "a G taller than wide is transposed before the iteration and the result "
                "transposed back: the output has the shape of G", not_transposed_back),
        Mistake("no_eps_floor", "divide by max(norm(X), eps): a zero (or tiny) matrix must not be divided by its "
                "own norm", no_eps_floor),
        Mistake("cubic_iteration", "this is the classic cubic iteration 1.5 X - 0.5 X X^T X; Muon's is quintic, "
                "a X + (b A + c A^2) X with A = X X^T and (a, b, c) = coefficients", cubic_iteration),
    ])
