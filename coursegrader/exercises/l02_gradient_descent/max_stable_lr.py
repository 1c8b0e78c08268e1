"""max_stable_lr: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.descent import max_stable_lr
from coursekit.check.tasks.l02_gradient_descent import MAX_STABLE_LR

from ._shared import random_spd


def hidden_cases():
    cases = [Case("H=[[2]] (one dimension)", (np.array([[2.0]]),)),
             Case("H=diag(25, 1): the largest eigenvalue comes first", (np.diag([25.0, 1.0]),)),
             Case("H=[[1, 0.9], [0.9, 1]]: eigenvalues 0.1 and 1.9, diagonal 1", (np.array([[1.0, 0.9], [0.9, 1.0]]),)),
             Case("H=[[4, -2, 0], [-2, 4, -2], [0, -2, 4]]", (np.array([[4.0, -2, 0], [-2, 4, -2], [0, -2, 4]]),)),
             Case("H=1e-3 * identity(3): tiny curvature, large lr", (1e-3 * np.eye(3),))]
    for seed in (3, 4, 5):
        d = 2 + seed
        cases.append(Case(f"random SPD {d}x{d} (seed {seed})", (random_spd(seed, d),)))
    return cases


def one_over(H):
    return float(1.0 / np.linalg.eigvalsh(H).max())


def lambda_min(H):
    return float(2.0 / np.linalg.eigvalsh(H).min())


def diagonal(H):
    return float(2.0 / np.max(np.diag(H)))


def frobenius_norm(H):
    return float(2.0 / np.linalg.norm(H))


EXERCISE = Exercise.of(
    MAX_STABLE_LR, reference=max_stable_lr, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("one_over", "1 / lambda_max is where the fastest direction is solved in one step; the "
                "stability limit is |1 - lr lambda| < 1, i.e. lr < 2 / lambda_max", one_over),
        Mistake("lambda_min", "uses the smallest eigenvalue; the stiffest direction (largest eigenvalue) "
                "sets the limit", lambda_min),
        Mistake("diagonal", "uses the largest diagonal entry; it equals the largest eigenvalue only for a "
                "diagonal H: use the eigenvalues (np.linalg.eigvalsh)", diagonal),
        Mistake("frobenius_norm", "np.linalg.norm(H) is the Frobenius norm, not the largest eigenvalue",
                frobenius_norm),
    ])
