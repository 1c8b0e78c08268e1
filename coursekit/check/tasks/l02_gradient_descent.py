"""Lesson 02 (gradient descent and the learning rate): its graded functions as a student's kernel sees them.

Visible inputs only. The gradients and schedules the cases pass in are small ones of this module
(a quadratic, a wavy one-coordinate function, two schedules), never an answer of lesson 01 or 02."""
from __future__ import annotations

import numpy as np

from ..task import Case, Task

LESSON = "02_gradient_descent"


# --- gradient functions and schedules the cases pass in (self-contained, deep-copyable) ------

class QuadGrad:
    """The gradient ``H @ x`` of ``0.5 x @ H @ x``."""

    def __init__(self, H):
        self.H = np.asarray(H, dtype=np.float64)

    def __call__(self, x):
        return self.H @ x


class InvDecay:
    """lr(t) = lr0 / (1 + decay t)."""

    def __init__(self, lr0, decay):
        self.lr0, self.decay = lr0, decay

    def __call__(self, t):
        return self.lr0 / (1.0 + self.decay * t)


def wavy_grad(x):
    """The gradient cos(x) + 0.2 x of sum(sin(x) + 0.1 x^2), coordinate by coordinate."""
    return np.cos(x) + 0.2 * x


# --- gradient_descent -----------------------------------------------------------------------

def _gd_visible():
    return [Case("quadratic H=diag(1, 10) from (1, 1), lr=0.05, 4 steps",
                 (QuadGrad(np.diag([1.0, 10.0])), np.array([1.0, 1.0]), 0.05, 4)),
            Case("grad = cos(x) + 0.2 x from (3, -1), lr=0.5, 3 steps", (wavy_grad, np.array([3.0, -1.0]), 0.5, 3)),
            Case("quadratic H=[[3, 1], [1, 2]] from (2, -1), lr(t) = 0.2 / (1 + 0.5 t), 3 steps",
                 (QuadGrad(np.array([[3.0, 1.0], [1.0, 2.0]])), np.array([2.0, -1.0]), InvDecay(0.2, 0.5), 3)),
            Case("n_steps=0: the trajectory is x0 alone, shape (1, d)", (wavy_grad, np.array([0.5, -0.5]), 0.1, 0))]


GRADIENT_DESCENT = Task(name="gradient_descent", lesson=LESSON, parameters=("grad_f", "x0", "lr", "n_steps"),
                        visible=_gd_visible)


# --- learning-rate schedules ----------------------------------------------------------------

def _tbd_visible():
    return [Case("lr0=0.2, decay=0.01, t=0", (0.2, 0.01, 0)),
            Case("lr0=0.2, decay=0.01, t=100", (0.2, 0.01, 100)),
            Case("lr0=1, decay=0.5, t=3", (1.0, 0.5, 3))]


def _sd_visible():
    return [Case("lr0=0.1, drop=0.5, every=10, t=0", (0.1, 0.5, 10, 0)),
            Case("lr0=0.1, drop=0.5, every=10, t=25", (0.1, 0.5, 10, 25)),
            Case("lr0=1, drop=0.1, every=3, t=2: the last step of the first stair", (1.0, 0.1, 3, 2)),
            Case("lr0=1, drop=0.1, every=3, t=3", (1.0, 0.1, 3, 3))]


def _ed_visible():
    return [Case("lr0=0.1, k=0.1, t=0", (0.1, 0.1, 0)),
            Case("lr0=0.1, k=0.1, t=10", (0.1, 0.1, 10)),
            Case("lr0=1, k=0.5, t=3", (1.0, 0.5, 3))]


TIME_BASED_DECAY = Task(name="time_based_decay", lesson=LESSON, parameters=("lr0", "decay", "t"), visible=_tbd_visible)
STEP_DECAY = Task(name="step_decay", lesson=LESSON, parameters=("lr0", "drop", "every", "t"), visible=_sd_visible)
EXPONENTIAL_DECAY = Task(name="exponential_decay", lesson=LESSON, parameters=("lr0", "k", "t"), visible=_ed_visible)


# --- max_stable_lr --------------------------------------------------------------------------

def _msl_visible():
    return [Case("H=diag(1, 10)", (np.diag([1.0, 10.0]),)),
            Case("H=[[3, 1], [1, 2]]", (np.array([[3.0, 1.0], [1.0, 2.0]]),))]


MAX_STABLE_LR = Task(name="max_stable_lr", lesson=LESSON, parameters=("H",), visible=_msl_visible)


# --- warmup_cosine --------------------------------------------------------------------------

def wc_case(lr0, warmup, total, t, min_lr=None, note=""):
    """A warmup_cosine case whose label spells its arguments."""
    label = f"lr0={lr0:g}, warmup={warmup}, total={total}, t={t}"
    if min_lr is None:
        return Case(label + note, (lr0, warmup, total, t))
    return Case(f"{label}, min_lr={min_lr:g}{note}", (lr0, warmup, total, t), {"min_lr": min_lr})


def _wc_visible():
    return [wc_case(0.1, 10, 100, 5, note=": half-way up the warm-up"),
            wc_case(0.1, 10, 100, 55, note=": half-way down the cosine"),
            wc_case(0.1, 10, 100, 4, min_lr=0.01, note=": the ramp starts at 0, not at min_lr"),
            wc_case(0.1, 10, 100, 30, min_lr=0.01),
            wc_case(0.1, 0, 100, 0, note=": warmup=0, step 0 gets lr0"),
            wc_case(0.1, 10, 100, 120, min_lr=0.01, note=": after total the rate stays at min_lr"),
            Case("bad input: warmup=100 = total=100 must raise ValueError", (0.1, 100, 100, 5), raises=ValueError)]


WARMUP_COSINE = Task(name="warmup_cosine", lesson=LESSON, parameters=("lr0", "warmup", "total", "t", "min_lr"),
                     visible=_wc_visible)


# --- classify_critical_point ----------------------------------------------------------------

def ccp_case(label, H, tol=None):
    """A classify_critical_point case; the label names tol when the case sets it."""
    H = np.asarray(H, dtype=np.float64)
    if tol is None:
        return Case(label, (H,))
    return Case(f"{label}, tol={tol:g}", (H,), {"tol": tol})


def _ccp_visible():
    return [ccp_case("H=diag(2, 3)", np.diag([2.0, 3.0])),
            ccp_case("H=diag(2, -2): x**2 - y**2 at the origin", np.diag([2.0, -2.0])),
            ccp_case("H=[[0, -2], [-2, 0]]: f(a, b) = (1 - a*b)**2 at the origin", [[0.0, -2.0], [-2.0, 0.0]]),
            ccp_case("H=diag(-1, -2, -0.5): a maximum in 3-D (determinant < 0)", np.diag([-1.0, -2.0, -0.5])),
            ccp_case("H=diag(1, 0): a valley, the test says nothing", np.diag([1.0, 0.0])),
            ccp_case("H=diag(1, 1e-12): an eigenvalue within tol of 0, the test says nothing", np.diag([1.0, 1e-12])),
            ccp_case("H=diag(2, 1e-10, 3): an eigenvalue above tol", np.diag([2.0, 1e-10, 3.0]), tol=1e-12),
            Case("bad input: H of shape (2, 3) must raise ValueError", (np.ones((2, 3)),), raises=ValueError),
            Case("bad input: H=[[1, 2], [0, 1]] (not symmetric) must raise ValueError",
                 (np.array([[1.0, 2.0], [0.0, 1.0]]),), raises=ValueError)]


CLASSIFY_CRITICAL_POINT = Task(name="classify_critical_point", lesson=LESSON, parameters=("H", "tol"),
                               visible=_ccp_visible)

TASKS = [GRADIENT_DESCENT, TIME_BASED_DECAY, STEP_DECAY, EXPONENTIAL_DECAY, MAX_STABLE_LR, WARMUP_COSINE,
         CLASSIFY_CRITICAL_POINT]
