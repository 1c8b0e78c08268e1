"""loss_along_line: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.landscape import loss_along_line
from coursekit.check.tasks.l06_backprop import LOSS_ALONG_LINE, QuadraticLoss, bowl, rng


class DoubleWell:
    """``sum((theta**2 - 1)**2)``: minima at every theta with entries +-1, a bump between them
    (returns a numpy float64, not a Python float)."""

    def __call__(self, theta):
        return np.sum((theta ** 2 - 1.0) ** 2)

    def __repr__(self):
        return "DoubleWell()"


class NetLoss:
    """The softmax cross-entropy of a ReLU two-layer net (D -> H -> C) on fixed data, as a function
    of its parameters flattened into one vector ``(W1, b1, W2, b2)``."""

    def __init__(self, X, y, h, c):
        self.X, self.y, self.h, self.c = X, y, h, c

    def size(self):
        d = self.X.shape[1]
        return d * self.h + self.h + self.h * self.c + self.c

    def __call__(self, theta):
        d, h, c = self.X.shape[1], self.h, self.c
        W1 = theta[:d * h].reshape(d, h)
        b1 = theta[d * h:d * h + h]
        W2 = theta[d * h + h:d * h + h + h * c].reshape(h, c)
        b2 = theta[d * h + h + h * c:]
        s = np.maximum(self.X @ W1 + b1, 0.0) @ W2 + b2
        s = s - s.max(axis=1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return -float(logp[np.arange(len(self.y)), self.y].mean())

    def __repr__(self):
        return f"NetLoss(N={len(self.y)}, D={self.X.shape[1]}, H={self.h}, C={self.c})"


def net_loss(seed, n, d, h, c):
    r = rng(seed)
    loss = NetLoss(r.normal(size=(n, d)), r.integers(0, c, size=n), h, c)
    p = loss.size()
    return loss, 0.3 * r.normal(size=p), r.normal(size=p)


def hidden_cases():
    net, init, trained = net_loss(600, 12, 3, 5, 3)
    net2, init2, trained2 = net_loss(601, 7, 2, 4, 2)
    r = rng(602)
    return [
        Case(f"two-layer net {net!r}, from random init to other weights, 13 alphas in [-0.25, 1.25]",
             (net, init, trained, np.linspace(-0.25, 1.25, 13))),
        Case(f"two-layer net {net2!r}, alphas unsorted: (1, 0, 0.25, -1, 2)",
             (net2, init2, trained2, np.array([1.0, 0.0, 0.25, -1.0, 2.0]))),
        Case("double well in 3-D, theta0=(-1, 1, -1), theta1=(1, 1, 1): a bump between two minima",
             (DoubleWell(), np.array([-1.0, 1.0, -1.0]), np.array([1.0, 1.0, 1.0]), np.linspace(0.0, 1.0, 9))),
        Case("theta0 and theta1 given as lists of ints: (3, -2) and (1, 0), alphas a list (0.1, 0.7)",
             (bowl(), [3, -2], [1, 0], [0.1, 0.7])),
        Case("one alpha, 0.3", (bowl(), np.array([0.5, 0.5]), np.array([2.0, -3.0]), np.array([0.3]))),
        Case("theta0 = theta1: the loss is the same everywhere",
             (bowl(), np.array([0.2, 0.4]), np.array([0.2, 0.4]), np.array([-1.0, 0.0, 3.0]))),
        Case("no alphas: an empty array", (bowl(), np.array([2.0, 1.0]), np.array([0.0, -2.0]), np.array([]))),
        Case("random bowl in 20-D, theta0 away from 0, alphas far outside [0, 1]",
             (QuadraticLoss(r.normal(size=20), r.uniform(0.1, 5.0, size=20)), r.normal(size=20), r.normal(size=20),
              np.array([-3.0, -0.6, 0.45, 2.2, 5.0]))),
        Case("bad input: theta0 of length 3, theta1 of length 2 must raise ValueError",
             (bowl(), np.zeros(3), np.ones(2), np.array([0.0, 1.0])), raises=ValueError),
        Case("bad input: theta1 of shape (2, 1) must raise ValueError",
             (bowl(), np.zeros(2), np.ones((2, 1)), np.array([0.5])), raises=ValueError),
    ]


def ends_swapped(loss_fn, theta0, theta1, alphas):
    theta0, theta1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    return np.array([float(loss_fn((1 - a) * theta1 + a * theta0)) for a in alphas], dtype=np.float64)


def no_one_minus(loss_fn, theta0, theta1, alphas):
    theta0, theta1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    return np.array([float(loss_fn(theta0 + a * theta1)) for a in alphas], dtype=np.float64)


def direction_reversed(loss_fn, theta0, theta1, alphas):
    theta0, theta1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    return np.array([float(loss_fn(theta0 + a * (theta0 - theta1))) for a in alphas], dtype=np.float64)


def through_origin(loss_fn, theta0, theta1, alphas):
    theta0, theta1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    return np.array([float(loss_fn(a * theta1)) for a in alphas], dtype=np.float64)


def alphas_ignored(loss_fn, theta0, theta1, alphas):
    theta0, theta1 = np.array(theta0, dtype=np.float64), np.array(theta1, dtype=np.float64)
    if theta0.ndim != 1 or theta0.shape != theta1.shape:
        raise ValueError("theta0 and theta1 must be 1-D of the same length")
    grid = np.linspace(0.0, 1.0, len(alphas))
    return np.array([float(loss_fn((1 - a) * theta0 + a * theta1)) for a in grid], dtype=np.float64)


EXERCISE = Exercise.of(
    LOSS_ALONG_LINE, reference=loss_along_line, points=3, hidden=hidden_cases,
    mistakes=[
        Mistake("ends_swapped", "alpha = 0 is theta0 and alpha = 1 is theta1: the point is "
                "(1 - a) * theta0 + a * theta1, not (1 - a) * theta1 + a * theta0", ends_swapped),
        Mistake("no_one_minus", "theta0 + a * theta1 is not on the line between them: use "
                "(1 - a) * theta0 + a * theta1 (= theta0 + a * (theta1 - theta0))", no_one_minus),
        Mistake("direction_reversed", "the direction from theta0 to theta1 is theta1 - theta0: "
                "theta0 + a * (theta1 - theta0)", direction_reversed),
        Mistake("through_origin", "a * theta1 is the line from the origin; the line starts at theta0: "
                "(1 - a) * theta0 + a * theta1", through_origin),
        Mistake("alphas_ignored", "the loss is wanted at the alphas given (in their order, possibly outside "
                "[0, 1]), not on a grid of your own", alphas_ignored),
    ])
