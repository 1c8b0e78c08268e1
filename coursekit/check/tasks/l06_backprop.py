"""Lesson 06 (backpropagation): its graded functions as a student's kernel sees them.

Forward functions are graded on their output only (the cache is a private contract between a
student's forward and backward); a backward function is graded with the cache its own forward
(the one beside it) makes on the case's inputs (:func:`coursekit.check.runners.own_cache`), so any
cache layout works. In a student's kernel a backward whose forward is missing or broken cannot be
checked yet: the check says to finish the forward first.

Visible inputs only: the loss a line is drawn through here is a small bowl of this module.
"""
from __future__ import annotations

import numpy as np

from ..runners import own_cache
from ..task import Case, Task

LESSON = "06_backprop"


def out_only(fn, case):
    """Call a ``*_forward`` and keep ``out``: it must return the pair ``(out, cache)``."""
    result = fn(*case.args, **case.kwargs)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"a forward function returns the pair (out, cache), got {type(result).__name__}")
    return result[0]


def linear_pair(fn, case, reference_forward=None):
    """``linear_backward(dout, cache)`` with ``case.args = (dout, (x, W, b))``: the cache is what the
    student's own ``linear_forward(x, W, b)`` returns (the grader falls back on its reference forward,
    a student's kernel has none)."""
    dout, (x, W, b) = case.args
    return fn(dout, own_cache(fn, "linear_forward", reference_forward, x, W, b))


def relu_pair(fn, case, reference_forward=None):
    """``relu_backward(dout, cache)`` with ``case.args = (dout, x)``: the cache is what the student's
    own ``relu_forward(x)`` returns."""
    dout, x = case.args
    return fn(dout, own_cache(fn, "relu_forward", reference_forward, x))


def rng(seed):
    return np.random.default_rng(seed)


# --- linear ----------------------------------------------------------------------------------

def linear_args(seed, n, d, m):
    """Seeded ``(x (n, d), W (d, m), b (m,))``."""
    r = rng(seed)
    return r.normal(size=(n, d)), r.normal(size=(d, m)), r.normal(size=m)


X_SMALL = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 0.5]])
W_SMALL = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
B_SMALL = np.array([0.1, -0.2, 0.3])


def _lf_visible():
    return [Case("x (3, 2), W (2, 3), b (3,)", (X_SMALL, W_SMALL, B_SMALL)),
            Case("one sample: x (1, 4), W (4, 2), seeded", linear_args(1, 1, 4, 2)),
            Case("square W (2, 2), x (3, 2), seeded: a transposed W still fits", linear_args(3, 3, 2, 2))]


def lb_case(label, seed, n, d, m):
    """A ``linear_backward`` case: a seeded ``dout (n, m)`` and the forward's inputs."""
    x, W, b = linear_args(seed, n, d, m)
    return Case(label, (rng(seed + 1).normal(size=(n, m)), (x, W, b)))


def _lb_visible():
    return [Case("dout of ones (3, 3), x (3, 2), W (2, 3)", (np.ones((3, 3)), (X_SMALL, W_SMALL, B_SMALL))),
            lb_case("random dout (4, 2), x (4, 3), W (3, 2), seed 2", 2, 4, 3, 2),
            lb_case("square W (2, 2), x (3, 2), seed 4: a missing transpose still fits", 4, 3, 2, 2)]


LINEAR_FORWARD = Task(name="linear_forward", lesson=LESSON, parameters=("x", "W", "b"), visible=_lf_visible,
                      run=out_only)
LINEAR_BACKWARD = Task(name="linear_backward", lesson=LESSON, parameters=("dout", "cache"), visible=_lb_visible,
                       run=linear_pair)


# --- relu ------------------------------------------------------------------------------------

X_RELU = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
X_RELU_2D = np.array([[1.0, -1.0, 0.0], [-3.0, 2.0, 0.25]])


def _rf_visible():
    return [Case("x = (-2, -0.5, 0, 0.5, 2)", (X_RELU,)),
            Case("x (2, 3) with zeros", (X_RELU_2D,))]


def _rb_visible():
    return [Case("dout = (1, 2, 3, 4, 5), x = (-2, -0.5, 0, 0.5, 2)", (np.arange(1.0, 6.0), X_RELU)),
            Case("dout (2, 3), x (2, 3) with a 0", (np.array([[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]]), X_RELU_2D))]


RELU_FORWARD = Task(name="relu_forward", lesson=LESSON, parameters=("x",), visible=_rf_visible, run=out_only)
RELU_BACKWARD = Task(name="relu_backward", lesson=LESSON, parameters=("dout", "cache"), visible=_rb_visible,
                     run=relu_pair)


# --- losses ------------------------------------------------------------------------------------

def _mse_visible():
    return [Case("pred = (1, 2, 3), y = (1, 0, 5)", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0]))),
            Case("pred (2, 2), y (2, 2)", (np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])))]


def _ce_visible():
    return [Case("logits ((1, 2, 3), (1, 1, 1)), y = (2, 0)",
                 (np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]), np.array([2, 0]))),
            Case("large logits ((1000, 0, -1000), (0, 1000, 999)), y = (1, 2): must not overflow",
                 (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]), np.array([1, 2])))]


MSE_FORWARD_BACKWARD = Task(name="mse_forward_backward", lesson=LESSON, parameters=("pred", "y"),
                            visible=_mse_visible)
SOFTMAX_CROSS_ENTROPY = Task(name="softmax_cross_entropy", lesson=LESSON, parameters=("logits", "y"),
                             visible=_ce_visible)


# --- two-layer net -----------------------------------------------------------------------------

def net_params(seed, d, h, c, scale=0.5):
    """Seeded parameters ``W1 (d, h), b1 (h,), W2 (h, c), b2 (c,)`` of a two-layer net."""
    r = rng(seed)
    return {"W1": scale * r.normal(size=(d, h)), "b1": 0.1 * r.normal(size=h),
            "W2": scale * r.normal(size=(h, c)), "b2": 0.1 * r.normal(size=c)}


def net_case(label, seed, n, d, h, c, scale=0.5):
    """A ``two_layer_net`` case: seeded parameters, inputs ``X (n, d)`` and labels in ``0 .. c-1``."""
    r = rng(seed + 1000)
    return Case(label, (net_params(seed, d, h, c, scale), r.normal(size=(n, d)), r.integers(0, c, size=n)))


def _net_visible():
    kinks = net_case("a sample of zeros and b1 with zeros: pre-activations exactly 0 (relu'(0) = 0), "
                     "b2 around 800 (exp(scores) overflows unless the row maximum is subtracted)", 2, 3, 2, 4, 3)
    params, X, y = kinks.args
    params["b1"][::2] = 0.0
    params["b2"] += 800.0
    X[0] = 0.0
    return [net_case("N=4, D=3, H=5, C=3, seed 0", 0, 4, 3, 5, 3),
            net_case("N=1, D=2, H=4, C=2, seed 1", 1, 1, 2, 4, 2),
            kinks]


TWO_LAYER_NET = Task(name="two_layer_net", lesson=LESSON, parameters=("params", "X", "y"), visible=_net_visible)


# --- loss_along_line ---------------------------------------------------------------------------

class QuadraticLoss:
    """``sum(c * (theta - centre)**2) / 2``: a bowl with its bottom at ``centre``."""

    def __init__(self, centre, c):
        self.centre = np.asarray(centre, dtype=np.float64)
        self.c = np.asarray(c, dtype=np.float64)

    def __call__(self, theta):
        return 0.5 * float(np.sum(self.c * (theta - self.centre) ** 2))

    def __repr__(self):
        return f"QuadraticLoss(centre={self.centre.tolist()}, c={self.c.tolist()})"


def bowl():
    """The visible cases' loss: a 2-D bowl with its bottom at (1, -1)."""
    return QuadraticLoss([1.0, -1.0], [1.0, 4.0])


def _lal_visible():
    return [Case("bowl, theta0=(0, 0), theta1=(1, -1) (its bottom), alphas=(0, 0.5, 1)",
                 (bowl(), np.zeros(2), np.array([1.0, -1.0]), np.array([0.0, 0.5, 1.0]))),
            Case("bowl, theta0=(2, 1), theta1=(0, -2), alphas=(-0.5, 0.25, 1.5)",
                 (bowl(), np.array([2.0, 1.0]), np.array([0.0, -2.0]), np.array([-0.5, 0.25, 1.5]))),
            Case("bowl, theta0 and theta1 given as lists of ints (2, 1) and (0, -2), alphas a list in no "
                 "order (1, 0, -1)", (bowl(), [2, 1], [0, -2], [1.0, 0.0, -1.0])),
            Case("bad input: theta0 of shape (2, 2) must raise ValueError",
                 (bowl(), np.zeros((2, 2)), np.ones((2, 2)), np.array([0.0, 1.0])), raises=ValueError)]


LOSS_ALONG_LINE = Task(name="loss_along_line", lesson=LESSON, parameters=("loss_fn", "theta0", "theta1", "alphas"),
                       visible=_lal_visible)

TASKS = [LINEAR_FORWARD, LINEAR_BACKWARD, RELU_FORWARD, RELU_BACKWARD, MSE_FORWARD_BACKWARD, SOFTMAX_CROSS_ENTROPY,
         TWO_LAYER_NET, LOSS_ALONG_LINE]
