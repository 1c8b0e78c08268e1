"""muon_step: hidden cases and catalogued mistakes (each a complete wrong Muon step; the
orthogonalisation in them is a correct float64 Newton–Schulz, whose own mistakes are
newton_schulz's exercise)."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.optim.muon import muon_step
from coursekit.check.tasks.l11_modern_optimizers import MUON_STEP, random_steps


def hidden():
    """Tall, wide and square matrices, every option alone and together, norms below eps, bad input."""
    rng = np.random.default_rng(1120)
    target = rng.normal(size=(3, 5))
    return [
        Case("defaults, params 6 x 4, 30 random steps", random_steps(1121, 30, shape=(6, 4))),
        Case("defaults, params 4 x 6, 30 random steps", random_steps(1122, 30, shape=(4, 6))),
        Case("lr=0.05, weight_decay=0.05, momentum=0.9, params 5 x 5, 30 random steps",
             random_steps(1123, 30, shape=(5, 5)), {"lr": 0.05, "weight_decay": 0.05, "momentum": 0.9}),
        Case("lr=0.05, nesterov=False, params 7 x 3, 25 random steps", random_steps(1124, 25, shape=(7, 3)),
             {"lr": 0.05, "nesterov": False}),
        Case("lr=0.03, ns_steps=2, ns_coefficients=(2, -1.5, 0.5), params 3 x 5, 20 steps",
             random_steps(1125, 20, shape=(3, 5)), {"lr": 0.03, "ns_steps": 2, "ns_coefficients": (2.0, -1.5, 0.5)}),
        Case("lr=0.01, adjust_lr_fn='match_rms_adamw', weight_decay=0.2, params 8 x 3, 20 steps",
             random_steps(1126, 20, shape=(8, 3)), {"lr": 0.01, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.2}),
        Case("lr=0.01, adjust_lr_fn='original', params 3 x 8, 20 steps", random_steps(1127, 20, shape=(3, 8)),
             {"lr": 0.01, "adjust_lr_fn": "original"}),
        Case("lr=0.02, adjust_lr_fn='match_rms_adamw', params 2 x 6, 15 steps", random_steps(1131, 15, shape=(2, 6)),
             {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw"}),
        Case("lr=0.02, adjust_lr_fn='match_rms_adamw', nesterov=False, params 10 x 4, 15 steps",
             random_steps(1132, 15, shape=(10, 4)), {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw", "nesterov": False}),
        Case("lr=0.02, eps=1.0 (a norm below eps: the buffer's scale matters), params 3 x 4, 20 steps",
             random_steps(1128, 20, shape=(3, 4), scale=0.2), {"lr": 0.02, "eps": 1.0}),
        Case("lr=0.02, nesterov=False, eps=1.0, params 2 x 5, 20 steps",
             random_steps(1129, 20, shape=(2, 5), scale=0.2), {"lr": 0.02, "nesterov": False, "eps": 1.0}),
        Case("defaults, gradients of 1e-10 (below eps), params 3 x 4, 10 steps",
             random_steps(1130, 10, shape=(3, 4), scale=1e-10)),
        Case("lr=0.1, weight_decay=0.5, momentum=0.8, gradient params - T (3 x 5), 40 steps",
             (np.zeros((3, 5)), lambda W: W - target), {"lr": 0.1, "weight_decay": 0.5, "momentum": 0.8, "n_steps": 40}),
        Case("zero gradients, params 2 x 2, 5 steps: only the decay acts", (np.ones((2, 2)), [np.zeros((2, 2))] * 5),
             {"lr": 0.1}),
        Case("bad input: params of shape (2, 2, 2) must raise ValueError", (np.ones((2, 2, 2)), [np.ones((2, 2, 2))]),
             raises=ValueError),
        Case("bad input: params of shape (4,) must raise ValueError", (np.ones(4), [np.ones(4)]), raises=ValueError),
        Case("bad input: adjust_lr_fn='adam' must raise ValueError", (np.ones((2, 3)), [np.ones((2, 3))]),
             {"adjust_lr_fn": "adam"}, raises=ValueError),
    ]


def ns_float64(X, steps, coefficients, eps):
    """A correct float64 Newton–Schulz, the building block of the Muon mistakes below (their mistakes
    are elsewhere; a wrong iteration is newton_schulz's own exercise)."""
    a, b, c = coefficients
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    X = X / max(float(np.linalg.norm(X)), eps)
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


def checked_params(params, adjust_lr_fn):
    """The spec's input checks, as every Muon mistake below makes them."""
    p = np.asarray(params, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"params must be 2-D, got shape {p.shape}")
    if adjust_lr_fn not in (None, "original", "match_rms_adamw"):
        raise ValueError(f"unknown adjust_lr_fn {adjust_lr_fn!r}")
    return p


def sgd_momentum_buffer(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                     ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    ratio = math.sqrt(max(1.0, A / B)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + g  # SGD's sum, not an average
    direction = g + momentum * buf if nesterov else buf
    ortho = ns_float64(direction, ns_steps, ns_coefficients, eps)
    return p * (1 - lr * weight_decay) - lr * ratio * ortho, {"momentum_buffer": buf}


def unadjusted_lr(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                        ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    direction = (1 - momentum) * g + momentum * buf if nesterov else buf
    ortho = ns_float64(direction, ns_steps, ns_coefficients, eps)
    return p * (1 - lr * weight_decay) - lr * ortho, {"momentum_buffer": buf}  # lr, whatever the shape


def decay_with_adjusted_lr(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                                 ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    lr_adj = lr * (math.sqrt(max(1.0, A / B)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B)))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    direction = (1 - momentum) * g + momentum * buf if nesterov else buf
    ortho = ns_float64(direction, ns_steps, ns_coefficients, eps)
    return p * (1 - lr_adj * weight_decay) - lr_adj * ortho, {"momentum_buffer": buf}


def lr_ratio_inverted(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                         ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    ratio = math.sqrt(max(1.0, B / A)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    direction = (1 - momentum) * g + momentum * buf if nesterov else buf
    ortho = ns_float64(direction, ns_steps, ns_coefficients, eps)
    return p * (1 - lr * weight_decay) - lr * ratio * ortho, {"momentum_buffer": buf}


def nesterov_sgd_form(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                            ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    ratio = math.sqrt(max(1.0, A / B)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    direction = g + momentum * buf if nesterov else buf  # SGD's look-ahead on Muon's averaged buffer
    ortho = ns_float64(direction, ns_steps, ns_coefficients, eps)
    return p * (1 - lr * weight_decay) - lr * ratio * ortho, {"momentum_buffer": buf}


def ignores_nesterov(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                           ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    ratio = math.sqrt(max(1.0, A / B)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    ortho = ns_float64(buf, ns_steps, ns_coefficients, eps)  # the buffer, nesterov or not
    return p * (1 - lr * weight_decay) - lr * ratio * ortho, {"momentum_buffer": buf}


def orthogonalises_the_gradient(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                                  ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    ratio = math.sqrt(max(1.0, A / B)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    ortho = ns_float64(g, ns_steps, ns_coefficients, eps)  # the raw gradient: the buffer is kept but never used
    return p * (1 - lr * weight_decay) - lr * ratio * ortho, {"momentum_buffer": buf}


def weight_decay_after_update(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                             ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    p = checked_params(params, adjust_lr_fn)
    g = np.asarray(grad, dtype=np.float64)
    A, B = p.shape
    ratio = math.sqrt(max(1.0, A / B)) if adjust_lr_fn in (None, "original") else 0.2 * math.sqrt(max(A, B))
    buf = momentum * state.get("momentum_buffer", np.zeros_like(p)) + (1 - momentum) * g
    direction = (1 - momentum) * g + momentum * buf if nesterov else buf
    ortho = ns_float64(direction, ns_steps, ns_coefficients, eps)
    return (p - lr * ratio * ortho) * (1 - lr * weight_decay), {"momentum_buffer": buf}


EXERCISE = Exercise.of(
    MUON_STEP, reference=muon_step, points=5, hidden=hidden,
    mistakes=[
        Mistake("sgd_momentum_buffer", "Muon's buffer is an average, buf = momentum * buf + (1 - momentum) * grad, "
                "and its Nesterov direction (1 - momentum) * grad + momentum * buf; SGD's sum (momentum * buf + grad, "
                "then grad + momentum * buf) points the same way but is 1 / (1 - momentum) times longer, which shows "
                "when the direction's norm is below eps", sgd_momentum_buffer),
        Mistake("unadjusted_lr", "the update is scaled by the adjusted lr: lr * sqrt(max(1, A / B)) for a matrix of "
                "shape (A, B) (adjust_lr_fn None or 'original'), lr * 0.2 * sqrt(max(A, B)) for 'match_rms_adamw'",
                unadjusted_lr),
        Mistake("decay_with_adjusted_lr", "the weight decay uses the plain lr, params * (1 - lr * weight_decay); "
                "only the orthogonalised update gets the adjusted lr", decay_with_adjusted_lr),
        Mistake("lr_ratio_inverted", "the 'original' adjustment is sqrt(max(1, A / B)) with (A, B) = params.shape: "
                "a matrix taller than wide gets the larger step", lr_ratio_inverted),
        Mistake("nesterov_sgd_form", "with Muon's averaged buffer the Nesterov direction is "
                "(1 - momentum) * grad + momentum * buf (grad.lerp(buf, momentum)), not grad + momentum * buf",
                nesterov_sgd_form),
        Mistake("ignores_nesterov", "with nesterov=True (the default) the direction is "
                "(1 - momentum) * grad + momentum * buf, not the buffer itself", ignores_nesterov),
        Mistake("orthogonalises_the_gradient", "Newton–Schulz is applied to the momentum direction, not to the raw "
                "gradient", orthogonalises_the_gradient),
        Mistake("weight_decay_after_update", "the decay multiplies the parameters before the update: "
                "params * (1 - lr * weight_decay) - lr_adj * ortho", weight_decay_after_update),
    ])
