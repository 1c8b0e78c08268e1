"""sam_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.sam import sam_step
from coursekit.check.tasks.l12_sharpness_and_stability import SAM_STEP, MatrixGrad, QuadGrad, RosenbrockGrad

from ._shared import fmt


def hidden_cases():
    quad = QuadGrad([[3.0, 1.0], [1.0, 2.0]])
    rng = np.random.default_rng(1240)
    cases = [
        Case("0.5 p^T [[3, 1], [1, 2]] p at (0.5, 0.5), lr=0.2, rho=0.5, 30 steps",
             (np.array([0.5, 0.5]), quad), {"lr": 0.2, "rho": 0.5, "n_steps": 30}),
        Case("Rosenbrock (b = 100) at (0, 0), lr=1e-3, default rho, 20 steps",
             (np.array([0.0, 0.0]), RosenbrockGrad()), {"lr": 1e-3, "n_steps": 20}),
        Case("a (2, 3) matrix W: 0.5 ||W X - Y||^2 + sum(W^4) / 4, lr=0.05, rho=0.2, 10 steps",
             (rng.normal(size=(2, 3)), MatrixGrad(1241)), {"lr": 0.05, "rho": 0.2, "n_steps": 10}),
        Case("a (2, 3) matrix W at another start, lr=0.01, rho=1.0, one step",
             (rng.normal(size=(2, 3)), MatrixGrad(1242)), {"lr": 0.01, "rho": 1.0}),
        Case("0.5 p^T A p at its minimum p = 0: g = 0, no perturbation, no step", (np.zeros(2), quad), {"lr": 0.1}),
        Case("0.5 p^T diag(10, 1, 0.1) p at (1, 1, 1), lr=0.05, rho=0.3, 15 steps",
             (np.ones(3), QuadGrad(np.diag([10.0, 1.0, 0.1]))), {"lr": 0.05, "rho": 0.3, "n_steps": 15}),
        Case("rho=0: SAM is plain gradient descent", (np.array([0.3, -0.7]), quad), {"lr": 0.1, "rho": 0.0}),
    ]
    for _ in range(2):
        p = rng.normal(size=2)
        cases.append(Case(f"Rosenbrock (b = 100) at random {fmt(p)}, lr=5e-4, rho=0.02",
                          (p, RosenbrockGrad()), {"lr": 5e-4, "rho": 0.02}))
    return cases


# --- catalogued mistakes ----------------------------------------------------------------------

def not_normalised(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    e = rho * g  # its length is rho * norm(g), not rho
    return p - lr * np.asarray(loss_grad(p + e), dtype=np.float64)


def wrong_sign(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    e = -rho * g / (np.linalg.norm(g) + 1e-12)  # downhill: the nearby point with the *lower* loss
    return p - lr * np.asarray(loss_grad(p + e), dtype=np.float64)


def plain_gradient(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    return p - lr * g  # the gradient at params itself: plain SGD


def stays_perturbed(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    e = rho * g / (np.linalg.norm(g) + 1e-12)
    return (p + e) - lr * np.asarray(loss_grad(p + e), dtype=np.float64)  # the step starts from p + e


def spectral_norm(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    norm = np.linalg.norm(g, 2) if g.ndim == 2 else np.linalg.norm(g)  # a matrix's largest singular value
    e = rho * g / (norm + 1e-12)
    return p - lr * np.asarray(loss_grad(p + e), dtype=np.float64)


def no_eps(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = rho * g / np.linalg.norm(g)  # 0 / 0 at a point where the gradient is 0
    return p - lr * np.asarray(loss_grad(p + e), dtype=np.float64)


def sign_of_gradient(params, loss_grad, *, lr, rho=0.05):
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(loss_grad(p), dtype=np.float64)
    e = rho * np.sign(g)  # each coordinate moved by rho: a step of length rho * sqrt(n), not rho
    return p - lr * np.asarray(loss_grad(p + e), dtype=np.float64)


EXERCISE = Exercise.of(
    SAM_STEP, reference=sam_step, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("not_normalised", "the perturbation is rho * g / (norm(g) + 1e-12): a step of length rho "
                "whatever the size of the gradient (rho * g alone is not normalised)", not_normalised),
        Mistake("wrong_sign", "the perturbation goes *uphill*, e = +rho * g / (norm(g) + 1e-12): SAM takes the "
                "gradient at the worst nearby point", wrong_sign),
        Mistake("plain_gradient", "this is plain gradient descent: the step uses the gradient at params + e, "
                "the perturbed point", plain_gradient),
        Mistake("stays_perturbed", "the step is applied at params, not at params + e: params - lr * "
                "loss_grad(params + e) (the perturbation is undone)", stays_perturbed),
        Mistake("spectral_norm", "for a matrix the norm is over every coordinate (np.linalg.norm(g), the "
                "Frobenius norm), not np.linalg.norm(g, 2), its largest singular value", spectral_norm),
        Mistake("no_eps", "where the gradient is 0, g / norm(g) is 0 / 0 (NaN): divide by norm(g) + 1e-12",
                no_eps),
        Mistake("sign_of_gradient", "the perturbation is rho * g / norm(g), not rho * sign(g) (which moves every "
                "coordinate by rho)", sign_of_gradient),
    ])
