"""softmax_cross_entropy: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.layers import softmax_cross_entropy
from coursekit.check.tasks.l06_backprop import SOFTMAX_CROSS_ENTROPY, rng


def ce_case(label, seed, n, c, scale=1.0):
    r = rng(seed)
    return Case(label, (scale * r.normal(size=(n, c)), r.integers(0, c, size=n)))


def hidden_cases():
    cases = [ce_case(f"random logits ({n}, {c}), seed {s}", s, n, c) for s, (n, c) in
             enumerate([(5, 3), (1, 4), (8, 10), (3, 2)], start=130)]
    cases.append(ce_case("logits of size 1e3, (6, 4): log(softmax) would be log(0)", 140, 6, 4, scale=1e3))
    shifted = ce_case("logits around 800, gaps of a few units: exp(800) overflows", 141, 5, 3)
    shifted.args = (shifted.args[0] + 800.0, shifted.args[1])
    cases.append(shifted)
    cases.append(Case("logits all -1e3 (uniform softmax)", (np.full((2, 5), -1e3), np.array([0, 4]))))
    cases.append(Case("confident and right: loss near 0", (np.array([[50.0, 0.0], [0.0, 50.0]]), np.array([0, 1]))))
    return cases


def unstable(logits, y):
    n = logits.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
        logp = logits - np.log(e.sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), y].sum()
    grad = p.copy()
    grad[np.arange(n), y] -= 1.0
    return float(loss / n), grad / n


def log_of_softmax(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(n), y]).sum()
    grad = p.copy()
    grad[np.arange(n), y] -= 1.0
    return float(loss / n), grad / n


def not_averaged(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    logp = z - np.log(e.sum(axis=1, keepdims=True))
    grad = e / e.sum(axis=1, keepdims=True)
    grad[np.arange(n), y] -= 1.0
    return float(-logp[np.arange(n), y].sum()), grad


def grad_not_averaged(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    logp = z - np.log(e.sum(axis=1, keepdims=True))
    grad = e / e.sum(axis=1, keepdims=True)
    grad[np.arange(n), y] -= 1.0
    return float(-logp[np.arange(n), y].sum() / n), grad


def sign(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    logp = z - np.log(e.sum(axis=1, keepdims=True))
    grad = e / e.sum(axis=1, keepdims=True)
    grad[np.arange(n), y] -= 1.0
    return float(-logp[np.arange(n), y].sum() / n), -grad / n


def softmax_axis0(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.exp(z)
        p = e / e.sum(axis=0, keepdims=True)
        logp = z - np.log(e.sum(axis=0, keepdims=True))
    grad = p.copy()
    grad[np.arange(n), y] -= 1.0
    return float(-logp[np.arange(n), y].sum() / n), grad / n


def mean_over_every_entry(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    rows = np.arange(logits.shape[0])
    loss = -float(np.log(p[rows, y]).sum() / logits.size)
    p[rows, y] -= 1.0
    return loss, p / logits.size


def onehot_not_subtracted(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = logits.shape[0]
    return -float(np.log(p[np.arange(n), y]).mean()), p / n


EXERCISE = Exercise.of(
    SOFTMAX_CROSS_ENTROPY, reference=softmax_cross_entropy, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("unstable", "exp overflows for logits around 1e3 (inf / inf = nan): subtract each row's maximum "
                "before exponentiating; softmax does not change", unstable),
        Mistake("log_of_softmax", "log(softmax) underflows: a class 1e3 below the best has probability "
                "exp(-1000) = 0 in float64 and log(0) = -inf. Compute log-probabilities directly: "
                "shifted - log(sum(exp(shifted)))", log_of_softmax),
        Mistake("not_averaged", "the loss and its gradient are summed over the batch; cross_entropy averages "
                "(divide both by N)", not_averaged),
        Mistake("grad_not_averaged", "the loss is a mean over the batch, so dlogits = (softmax - onehot) / N",
                grad_not_averaged),
        Mistake("sign", "the gradient's sign is flipped: dlogits = (softmax - onehot) / N", sign),
        Mistake("softmax_axis0", "softmax normalises each row (over the classes, axis=1), not each column",
                softmax_axis0),
        Mistake("mean_over_every_entry", "the loss averages over the N samples only (each sample's loss sums over "
                "its classes): divide by N, not by N * C", mean_over_every_entry),
        Mistake("onehot_not_subtracted", "dlogits = (softmax - onehot(y)) / N: the one-hot labels are not "
                "subtracted", onehot_not_subtracted),
    ])
