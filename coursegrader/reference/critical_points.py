"""Lesson 02: the second-order test at a critical point, from the eigenvalues of the Hessian."""
from __future__ import annotations

import numpy as np


def classify_critical_point(H, tol=1e-8):
    """What a critical point (gradient 0) is, from the symmetric Hessian ``H`` there.

    H: array-like (d, d), symmetric within ``np.allclose(H, H.T)`` (default tolerances); tol: float
    >= 0, applied to the eigenvalues only. With ``lam = eigvalsh(H)``:

    - ``"saddle"`` if some ``lam > tol`` and some ``lam < -tol`` (up in one direction, down in another);
    - else ``"minimum"`` if every ``lam > tol``, ``"maximum"`` if every ``lam < -tol``;
    - else ``"degenerate"``: some eigenvalue is within ``tol`` of 0 and the others share a sign, so
      the second-order test says nothing (``x**4`` and ``-x**4`` both have H = 0 at 0).

    Raises ``ValueError`` for an H that is not a non-empty square matrix or not symmetric.
    """
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
        raise ValueError(f"classify_critical_point needs a square (d, d) Hessian with d >= 1, "
                         f"got an array of shape {H.shape}")
    if not np.allclose(H, H.T):
        worst = float(np.max(np.abs(H - H.T)))
        raise ValueError(f"classify_critical_point needs a symmetric Hessian: H and H.T differ by up to "
                         f"{worst:.3g} (a Hessian of a twice continuously differentiable function is symmetric)")
    lam = np.linalg.eigvalsh(H)
    up, down = lam > tol, lam < -tol
    if up.any() and down.any():
        return "saddle"
    if up.all():
        return "minimum"
    if down.all():
        return "maximum"
    return "degenerate"
