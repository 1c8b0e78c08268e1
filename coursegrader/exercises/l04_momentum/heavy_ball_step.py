"""heavy_ball_step: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.momentum import heavy_ball_step
from coursekit.check.tasks.l04_momentum import HEAVY_BALL_STEP, QuadGrad

from ._shared import rb_grad


def hidden_cases():
    """beta = 0, matrices, a zero gradient, trajectories on a ravine and on Rosenbrock, a changing lr."""
    rng = np.random.default_rng(17)
    return [Case("beta=0: plain gradient descent", (np.array([1.0, -1.0]), np.array([0.0, 0.0]), np.array([2.0, 3.0])),
                 {"lr": 0.05, "beta": 0.0}),
            Case("random (3, 2) matrices, lr=0.01, beta=0.99", (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)),
                                                                 rng.normal(size=(3, 2))), {"lr": 0.01, "beta": 0.99}),
            Case("zero gradient: the ball keeps rolling", (np.array([1.0]), np.array([0.8]), np.array([0.0])),
                 {"lr": 0.1, "beta": 0.9}),
            Case("ravine diag(1, 25) from (10, 1), lr=0.03, beta=0.8, 25 steps",
                 (np.array([10.0, 1.0]), QuadGrad(np.diag([1.0, 25.0]))), {"lr": 0.03, "beta": 0.8, "n_steps": 25}),
            Case("rosenbrock from (-1, 1.5), lr=0.02, beta=0.9, 30 steps",
                 (np.array([-1.0, 1.5]), rb_grad), {"lr": 0.02, "beta": 0.9, "n_steps": 30}),
            Case("ravine with lr changing (0.03 then 0.01), beta=0.9, 10 steps",
                 (np.array([10.0, 1.0]), QuadGrad(np.diag([1.0, 25.0]))),
                 {"lrs": [0.03] * 5 + [0.01] * 5, "lr": None, "beta": 0.9, "n_steps": 10})]


def velocity_sign(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + beta * (prev_params - params)


def lr_on_velocity(params, prev_params, grad, *, lr, beta):
    return params - lr * (grad + beta * (params - prev_params))


def ascent(params, prev_params, grad, *, lr, beta):
    return params + lr * grad + beta * (params - prev_params)


def damped_gradient(params, prev_params, grad, *, lr, beta):
    return params - (1 - beta) * lr * grad + beta * (params - prev_params)


def step_from_prev(params, prev_params, grad, *, lr, beta):
    return prev_params - lr * grad + beta * (params - prev_params)


def one_minus_beta_on_velocity(params, prev_params, grad, *, lr, beta):
    return params - lr * grad + (1 - beta) * (params - prev_params)


EXERCISE = Exercise.of(
    HEAVY_BALL_STEP, reference=heavy_ball_step, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("velocity_sign", "the velocity is w - w_prev (where the ball is going), not w_prev - w", velocity_sign),
        Mistake("lr_on_velocity", "lr multiplies the velocity term too; the form is w - lr * g + beta * (w - w_prev)",
                lr_on_velocity),
        Mistake("ascent", "the gradient term has the wrong sign: w - lr * g", ascent),
        Mistake("damped_gradient", "the gradient is scaled by (1 - beta); the seed form has lr * g alone",
                damped_gradient),
        Mistake("step_from_prev", "the step starts from the current point: w - lr * g + beta * (w - w_prev), "
                "not from w_prev", step_from_prev),
        Mistake("one_minus_beta_on_velocity", "the velocity term is beta * (w - w_prev), not (1 - beta) * (w - w_prev)",
                one_minus_beta_on_velocity),
    ])
