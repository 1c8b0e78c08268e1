"""classify_critical_point: hidden cases and catalogued mistakes.

Every mistake validates H as the spec says (its slip is in the classification)."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.critical_points import classify_critical_point
from coursekit.check.tasks.l02_gradient_descent import CLASSIFY_CRITICAL_POINT, ccp_case


def hessian(eigenvalues, seed):
    """A symmetric matrix with the given eigenvalues in a random orthonormal basis (exactly symmetric)."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(lam), len(lam))))
    H = (q * lam) @ q.T
    return (H + H.T) / 2.0


def hidden_cases():
    cases = [
        ccp_case("H=-identity(3)", -np.eye(3)),
        ccp_case("H=diag(1, 0): a valley, the test says nothing", np.diag([1.0, 0.0])),
        ccp_case("H=zeros((2, 2)): x**4 + y**4 at the origin", np.zeros((2, 2))),
        ccp_case("H=[[2, 2], [2, 2]]: f(a, b) = (1 - a*b)**2 at (1, 1), eigenvalues 4 and 0", [[2.0, 2.0], [2.0, 2.0]]),
        ccp_case("H=[[1, 2], [2, 1]]: positive diagonal, eigenvalues 3 and -1", [[1.0, 2.0], [2.0, 1.0]]),
        ccp_case("H=[[-3, 2], [2, -3]]: eigenvalues -1 and -5", [[-3.0, 2.0], [2.0, -3.0]]),
        ccp_case("H=diag(1, -1, -1): determinant > 0, a saddle in 3-D", np.diag([1.0, -1.0, -1.0])),
        ccp_case("H=diag(-1, -1, 2, 3): determinant > 0, trace > 0", np.diag([-1.0, -1.0, 2.0, 3.0])),
        ccp_case("H=[[1, 3], [3, 2]]: positive diagonal, determinant < 0", [[1.0, 3.0], [3.0, 2.0]]),
        ccp_case("H=[[-1, 2], [2, -1]]: negative diagonal, eigenvalues 1 and -3", [[-1.0, 2.0], [2.0, -1.0]]),
        ccp_case("H=diag(-1, 0, -2)", np.diag([-1.0, 0.0, -2.0])),
        ccp_case("H=diag(2, 1e-10, 3)", np.diag([2.0, 1e-10, 3.0])),
        ccp_case("eigenvalues (1, 1e-12): below tol, degenerate", hessian([1.0, 1e-12], 1)),
        ccp_case("eigenvalues (-2, -1e-10, -1): within tol of 0, degenerate", hessian([-2.0, -1e-10, -1.0], 2)),
        ccp_case("eigenvalues (1, 1e-12)", hessian([1.0, 1e-12], 3), tol=1e-14),
        ccp_case("eigenvalues (3, 0.2, -0.2): small ones inside tol", hessian([3.0, 0.2, -0.2], 4), tol=0.5),
        ccp_case("eigenvalues (-4, -0.3)", hessian([-4.0, -0.3], 5), tol=0.1),
        ccp_case("H=[[5]]: one dimension", [[5.0]]),
    ]
    for seed, lam in ((6, [2.0, -0.5, 1.0, 3.0]), (7, [-1.0, -2.0, -0.1, -5.0, -3.0]), (8, [0.3, 1.5, 2.0])):
        cases.append(ccp_case(f"random {len(lam)}x{len(lam)} symmetric (seed {seed})", hessian(lam, seed)))
    cases += [Case("bad input: H=[[1, 2], [0, 1]] (not symmetric) must raise ValueError",
                   (np.array([[1.0, 2.0], [0.0, 1.0]]),), raises=ValueError),
              Case("bad input: H of shape (3,) must raise ValueError", (np.array([1.0, 2.0, 3.0]),), raises=ValueError)]
    return cases


def validated(H):
    """H as a float64 array; ValueError unless square and symmetric (as the spec asks)."""
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be square, got shape {H.shape}")
    if not np.allclose(H, H.T):
        raise ValueError("H must be symmetric")
    return H


def no_tolerance(H, tol=1e-8):
    lam = np.linalg.eigvalsh(validated(H))
    pos, neg = lam > 0, lam < 0                       # tol never used
    if pos.any() and neg.any():
        return "saddle"
    if pos.all():
        return "minimum"
    if neg.all():
        return "maximum"
    return "degenerate"


def tolerance_wrong_side(H, tol=1e-8):
    lam = np.linalg.eigvalsh(validated(H))
    pos, neg = lam > -tol, lam < tol                  # the band [-tol, tol] counts as both signs
    if pos.any() and neg.any():
        return "saddle"
    if pos.all():
        return "minimum"
    if neg.all():
        return "maximum"
    return "degenerate"


def semidefinite_is_minimum(H, tol=1e-8):
    lam = np.linalg.eigvalsh(validated(H))
    if (lam > tol).any() and (lam < -tol).any():
        return "saddle"
    if (lam >= -tol).all():                           # a zero eigenvalue still called a minimum
        return "minimum"
    if (lam <= tol).all():
        return "maximum"
    return "degenerate"


def minimum_maximum_swapped(H, tol=1e-8):
    lam = np.linalg.eigvalsh(validated(H))
    up, down = lam > tol, lam < -tol
    if up.any() and down.any():
        return "saddle"
    if up.all():
        return "maximum"
    if down.all():
        return "minimum"
    return "degenerate"


def diagonal_entries(H, tol=1e-8):
    d = np.diag(validated(H))                         # the diagonal, not the eigenvalues
    pos, neg = d > tol, d < -tol
    if pos.any() and neg.any():
        return "saddle"
    if pos.all():
        return "minimum"
    if neg.all():
        return "maximum"
    return "degenerate"


def determinant_test(H, tol=1e-8):
    H = validated(H)
    det, trace = np.linalg.det(H), np.trace(H)
    if abs(det) <= tol:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if trace > 0 else "maximum"


EXERCISE = Exercise.of(
    CLASSIFY_CRITICAL_POINT, reference=classify_critical_point, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("no_tolerance", "eigenvalues are compared with 0 exactly: one within tol of 0 (1e-12, say) "
                "counts as zero, and then the test says nothing (\"degenerate\")", no_tolerance),
        Mistake("tolerance_wrong_side", "the tolerance is on the wrong side: positive means lam > tol and "
                "negative lam < -tol, so an eigenvalue in [-tol, tol] is neither", tolerance_wrong_side),
        Mistake("semidefinite_is_minimum", "all eigenvalues >= 0 is not enough for a minimum: with one of them "
                "(within tol of) 0 the second-order test says nothing (\"degenerate\")", semidefinite_is_minimum),
        Mistake("minimum_maximum_swapped", "a minimum curves up in every direction: all eigenvalues > tol; "
                "a maximum has all of them < -tol", minimum_maximum_swapped),
        Mistake("diagonal_entries", "the signs of H's diagonal entries are not those of its eigenvalues "
                "([[1, 2], [2, 1]] has a positive diagonal and eigenvalues 3 and -1): use np.linalg.eigvalsh(H)",
                diagonal_entries),
        Mistake("determinant_test", "the determinant/trace test only works for 2x2 matrices (diag(1, -1, -1) "
                "has det > 0 and is a saddle): look at the sign of every eigenvalue", determinant_test),
    ])
