"""Gradients and hidden cases the six optimizers share."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case
from coursegrader.reference.rosenbrock import rosenbrock_grad


def random_grads(seed, n, shape=(3, 4), scale=1.0, shrinking=False):
    """A start and ``n`` random gradients; ``shrinking`` makes them decay 30x (the second moment then falls)."""
    rng = np.random.default_rng(seed)
    p0 = rng.normal(size=shape)
    grads = scale * rng.normal(size=(n, *shape))
    if shrinking:
        grads *= np.geomspace(3.0, 0.1, n).reshape(-1, *([1] * len(shape)))
    return p0, list(grads)


def sparse_grads(seed, n, d=8, density=0.2):
    """Gradients that are 0 most of the time (rare features)."""
    rng = np.random.default_rng(seed)
    grads = rng.normal(size=(n, d)) * (rng.random((n, d)) < density)
    return rng.normal(size=d), list(grads)


def rb100(x):
    """The gradient of Rosenbrock with b = 100."""
    return rosenbrock_grad(x, b=100.0)


def hidden(options, seed, tiny=True):
    """Hidden cases: defaults over 60 random steps, every option over 30-60 steps, sparse and
    tiny/large gradients, a zero gradient."""
    cases = [Case("defaults, 60 random steps, params (3, 4)", random_grads(seed, 60)),
             Case("defaults, 40 steps of shrinking gradients", random_grads(seed + 1, 40, shrinking=True))]
    for i, (label, kw) in enumerate(options):
        cases.append(Case(f"{label}, 50 random steps", random_grads(seed + 10 + i, 50, shape=(5,)), kw))
    cases.append(Case("defaults, 30 sparse gradients (80% zeros)", sparse_grads(seed + 2, 30)))
    if tiny:
        cases.append(Case("defaults, 20 tiny gradients (1e-7): eps matters",
                          random_grads(seed + 3, 20, shape=(4,), scale=1e-7)))
    cases.append(Case("defaults, 15 large gradients (1e4)", random_grads(seed + 4, 15, shape=(4,), scale=1e4)))
    cases.append(Case("zero gradient, 5 steps", (np.array([0.5, -1.5]), [np.zeros(2)] * 5)))
    return cases


def rosenbrock_case(label, kw, n=100):
    """``n`` steps on Rosenbrock (b = 100) from (-1.2, 1)."""
    return Case(f"Rosenbrock (b=100) from (-1.2, 1), {n} steps, {label}", (np.array([-1.2, 1.0]), rb100),
                {**kw, "n_steps": n})


def adam_hidden(wd, seed):
    """Adam's and AdamW's hidden cases (``wd``: the weight decay tried)."""
    cases = hidden([("lr=0.05, betas=(0.8, 0.95)", {"lr": 0.05, "betas": (0.8, 0.95)}),
                    ("eps=1e-4, lr=0.01", {"eps": 1e-4, "lr": 0.01}),
                    (f"weight_decay={wd:g}, lr=0.1", {"weight_decay": wd, "lr": 0.1}),
                    ("amsgrad=True, lr=0.1", {"amsgrad": True, "lr": 0.1}),
                    (f"every option: lr=0.03, betas=(0.5, 0.9), eps=1e-6, weight_decay={wd:g}, amsgrad=True",
                     {"lr": 0.03, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": wd, "amsgrad": True})],
                   seed=seed)
    cases.append(Case("amsgrad=True, lr=0.1, 40 steps of shrinking gradients",
                      random_grads(seed + 50, 40, shape=(6,), shrinking=True), {"amsgrad": True, "lr": 0.1}))
    cases.append(Case(f"weight_decay={wd:g}, lr=0.1, 30 steps of shrinking gradients",
                      random_grads(seed + 51, 30, shape=(6,), shrinking=True), {"weight_decay": wd, "lr": 0.1}))
    cases.append(rosenbrock_case("lr=0.05", {"lr": 0.05}))
    return cases


# the messages Adam's and AdamW's catalogues share
NO_ONE_MINUS_BETA1 = "the new gradient is weighted by (1 - beta1): m = beta1 * m + (1 - beta1) * g"
NO_ONE_MINUS_BETA2 = ("the new square is weighted by (1 - beta2): v = beta2 * v + (1 - beta2) * g**2 "
                      "(the (1 - beta2) factor is missing)")
SQUARE_MISSING = "the second moment averages the *squared* gradient: (1 - beta2) * g**2 (a missing square)"
PAPER_FORM = ("this is the Adam paper's 'efficient' form, lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / "
              "(sqrt(v) + eps): it scales eps differently; torch divides m_hat by sqrt(v_hat) + eps")
POWER = ("the bias correction uses this step's count t (1 - beta**t, t = 1 on the first step); here the "
         "exponent is one too high")
SQRT_BC2 = "v is bias-corrected under the square root: sqrt(v / (1 - beta2**t)), i.e. sqrt(v) / sqrt(1 - beta2**t)"
