"""Lesson 02 (gradient descent and the learning rate): cases and known mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.descent import gradient_descent, max_stable_lr
from coursegrader.reference.rosenbrock import rosenbrock_grad
from coursegrader.reference.schedules import exponential_decay, step_decay, time_based_decay

LESSON = "02_gradient_descent"


def _fmt(x):
    return "(" + ", ".join(f"{v:.3g}" for v in np.ravel(x)) + ")"


# --- gradient functions and schedules used by the cases (self-contained, deep-copyable) ------

class QuadGrad:
    """The gradient ``H @ x`` of ``0.5 x @ H @ x``."""

    def __init__(self, H):
        self.H = np.asarray(H, dtype=np.float64)

    def __call__(self, x):
        return self.H @ x


class RosenGrad:
    def __init__(self, a=1.0, b=1.0):
        self.a, self.b = a, b

    def __call__(self, x):
        return rosenbrock_grad(x, self.a, self.b)


class InvDecay:
    """lr(t) = lr0 / (1 + decay t)."""

    def __init__(self, lr0, decay):
        self.lr0, self.decay = lr0, decay

    def __call__(self, t):
        return self.lr0 / (1.0 + self.decay * t)


class Staircase:
    """lr(t) = lr0 * drop ** (t // every): the first step uses lr0."""

    def __init__(self, lr0, drop, every):
        self.lr0, self.drop, self.every = lr0, drop, every

    def __call__(self, t):
        return self.lr0 * self.drop ** (t // self.every)


def _sin_grad(x):
    return np.cos(x) + 0.2 * x


def _random_spd(seed, d):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return A @ A.T + 0.5 * np.eye(d)


# --- gradient_descent -----------------------------------------------------------------------

def _gd_cases(hidden):
    if not hidden:
        return [Case("rosenbrock from (2, 2), lr=0.1, 3 steps", (RosenGrad(), np.array([2.0, 2.0]), 0.1, 3)),
                Case("quadratic H=diag(1, 10) from (1, 1), lr=0.05, 4 steps",
                     (QuadGrad(np.diag([1.0, 10.0])), np.array([1.0, 1.0]), 0.05, 4)),
                Case("rosenbrock from (2, 2), lr(t) = 0.2 / (1 + 0.5 t), 3 steps",
                     (RosenGrad(), np.array([2.0, 2.0]), InvDecay(0.2, 0.5), 3))]
    cases = [
        Case("rosenbrock from (2, 2), lr=0.1, 100 steps (the seed run)", (RosenGrad(), np.array([2.0, 2.0]), 0.1, 100)),
        Case("rosenbrock from (2, 2), lr=0.2, 100 steps (does not converge)", (RosenGrad(), np.array([2.0, 2.0]), 0.2, 100)),
        Case("rosenbrock from (2, 2), lr(t) = 0.2 / (1 + 0.01 t), 100 steps",
             (RosenGrad(), np.array([2.0, 2.0]), InvDecay(0.2, 0.01), 100)),
        Case("rosenbrock a=2, b=10 from (-1, 1), lr(t) = 0.01 * 0.5 ** (t // 5), 20 steps",
             (RosenGrad(2.0, 10.0), np.array([-1.0, 1.0]), Staircase(0.01, 0.5, 5), 20)),
        Case("quadratic H=diag(1, 10), lr=0.21 > 2/10: diverges along x2, 15 steps",
             (QuadGrad(np.diag([1.0, 10.0])), np.array([1.0, 1.0]), 0.21, 15)),
        Case("n_steps=0: the trajectory is x0 alone, shape (1, d)", (RosenGrad(), np.array([0.5, -0.5]), 0.1, 0)),
        Case("lr=0: the point never moves", (RosenGrad(), np.array([0.5, -0.5]), 0.0, 3)),
        Case("one coordinate, grad = cos(x) + 0.2 x, lr=0.5, 10 steps", (_sin_grad, np.array([3.0]), 0.5, 10)),
    ]
    for seed in (1, 2):
        d = 3 + seed
        H = _random_spd(seed, d)
        x0 = np.random.default_rng(100 + seed).normal(size=d)
        lr = 1.0 / np.linalg.eigvalsh(H).max()
        cases.append(Case(f"random SPD quadratic in {d}-d (seed {seed}), lr={lr:.3g}, 12 steps",
                          (QuadGrad(H), x0, lr, 12)))
    return cases


def _gd_t_from_one(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(1, n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape((n_steps + 1,) + x.shape)


def _gd_no_x0(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = []
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path).reshape((n_steps,) + x.shape)


def _gd_aliased(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x]
    for t in range(n_steps):
        x -= (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x)
    return np.array(path)


def _gd_ascent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(n_steps):
        x = x + (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path)


def _gd_grad_at_x0(grad_f, x0, lr, n_steps):
    x0 = np.array(x0, dtype=np.float64)
    g = grad_f(x0)
    x = x0.copy()
    path = [x.copy()]
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * g
        path.append(x.copy())
    return np.array(path)


def _gd_one_extra(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x.copy()]
    for t in range(n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * grad_f(x)
        path.append(x.copy())
    return np.array(path)


register(Exercise(
    name="gradient_descent", lesson=LESSON, reference=gradient_descent, points=6,
    visible=lambda: _gd_cases(False), hidden=lambda: _gd_cases(True),
    mistakes=[
        Mistake("t_from_one", "the schedule is called with t = 1, 2, ...; the first step uses lr(0)",
                _gd_t_from_one),
        Mistake("no_x0", "the trajectory misses its start: row 0 must be x0, so there are n_steps + 1 rows",
                _gd_no_x0),
        Mistake("aliased_rows", "every row is the same array object updated in place (x -= ...), so all "
                "rows show the last point; store a copy, or write x = x - lr * g", _gd_aliased),
        Mistake("ascent", "the step goes up the gradient (x + lr * g); descent subtracts it", _gd_ascent),
        Mistake("stale_gradient", "the gradient is computed once at x0 and reused; evaluate grad_f at the "
                "current point every step", _gd_grad_at_x0),
        Mistake("one_step_too_many", "the loop takes n_steps + 1 steps", _gd_one_extra),
    ]))


# --- learning-rate schedules ----------------------------------------------------------------

def _sched_cases(kind, hidden):
    if kind == "time":
        vis = [Case("lr0=0.2, decay=0.01, t=0", (0.2, 0.01, 0)),
               Case("lr0=0.2, decay=0.01, t=100", (0.2, 0.01, 100)),
               Case("lr0=1, decay=0.5, t=3", (1.0, 0.5, 3))]
        hid = [Case("lr0=0.1, decay=0, t=50: no decay", (0.1, 0.0, 50)),
               Case("lr0=0.3, decay=2, t=7", (0.3, 2.0, 7)),
               Case("lr0=0.05, decay=1e-3, t=10000", (0.05, 1e-3, 10000)),
               Case("lr0=1, decay=1, t=1: halved", (1.0, 1.0, 1))]
    elif kind == "step":
        vis = [Case("lr0=0.1, drop=0.5, every=10, t=0", (0.1, 0.5, 10, 0)),
               Case("lr0=0.1, drop=0.5, every=10, t=25", (0.1, 0.5, 10, 25)),
               Case("lr0=1, drop=0.1, every=3, t=3", (1.0, 0.1, 3, 3))]
        hid = [Case("lr0=0.1, drop=0.5, every=10, t=9: still the first stair", (0.1, 0.5, 10, 9)),
               Case("lr0=0.1, drop=0.5, every=10, t=10: first drop", (0.1, 0.5, 10, 10)),
               Case("lr0=0.2, drop=0.9, every=1, t=7: every step", (0.2, 0.9, 1, 7)),
               Case("lr0=2, drop=0.25, every=4, t=17", (2.0, 0.25, 4, 17)),
               Case("lr0=0.1, drop=0.5, every=100, t=350", (0.1, 0.5, 100, 350))]
    else:
        vis = [Case("lr0=0.1, k=0.1, t=0", (0.1, 0.1, 0)),
               Case("lr0=0.1, k=0.1, t=10", (0.1, 0.1, 10)),
               Case("lr0=1, k=0.5, t=3", (1.0, 0.5, 3))]
        hid = [Case("lr0=0.2, k=0, t=40: no decay", (0.2, 0.0, 40)),
               Case("lr0=0.3, k=0.01, t=250", (0.3, 0.01, 250)),
               Case("lr0=1, k=2, t=1", (1.0, 2.0, 1)),
               Case("lr0=0.05, k=1e-4, t=7", (0.05, 1e-4, 7))]
    return hid if hidden else vis


def _tbd_missing_paren(lr0, decay, t):
    return float(lr0 / 1.0 + decay * t)


def _tbd_multiplied(lr0, decay, t):
    return float(lr0 * (1.0 - decay * t))


def _tbd_t_plus_one(lr0, decay, t):
    return float(lr0 / (1.0 + decay * (t + 1)))


def _tbd_power(lr0, decay, t):
    return float(lr0 / (1.0 + decay) ** t)


register(Exercise(
    name="time_based_decay", lesson=LESSON, reference=time_based_decay, points=1,
    visible=lambda: _sched_cases("time", False), hidden=lambda: _sched_cases("time", True),
    mistakes=[
        Mistake("missing_parentheses", "lr0 / 1 + decay * t: the denominator needs parentheses, "
                "lr0 / (1 + decay * t)", _tbd_missing_paren),
        Mistake("linear", "lr0 * (1 - decay * t) decays linearly (and turns negative); divide by 1 + decay * t",
                _tbd_multiplied),
        Mistake("t_plus_one", "uses t + 1: at t = 0 the rate must be lr0", _tbd_t_plus_one),
        Mistake("power", "lr0 / (1 + decay) ** t is an exponential decay; time-based decay divides by "
                "1 + decay * t", _tbd_power),
    ]))


def _sd_true_division(lr0, drop, every, t):
    return float(lr0 * drop ** (t / every))


def _sd_per_step(lr0, drop, every, t):
    return float(lr0 * drop ** t)


def _sd_plus_one(lr0, drop, every, t):
    return float(lr0 * drop ** ((t + 1) // every))


def _sd_linear(lr0, drop, every, t):
    return float(lr0 * drop * (t // every)) if t >= every else float(lr0)


register(Exercise(
    name="step_decay", lesson=LESSON, reference=step_decay, points=2,
    visible=lambda: _sched_cases("step", False), hidden=lambda: _sched_cases("step", True),
    mistakes=[
        Mistake("true_division", "t / every makes a smooth curve; the staircase needs integer division t // every",
                _sd_true_division),
        Mistake("every_ignored", "drops every step (drop ** t); the exponent is t // every", _sd_per_step),
        Mistake("early_drop", "(t + 1) // every drops one step too early: the first drop is at t = every",
                _sd_plus_one),
        Mistake("multiplied", "multiplies by drop * (t // every) instead of raising drop to the power t // every",
                _sd_linear),
    ]))


def _ed_no_minus(lr0, k, t):
    return float(lr0 * math.exp(k * t))


def _ed_power(lr0, k, t):
    return float(lr0 * k ** t)


def _ed_one_minus(lr0, k, t):
    return float(lr0 * (1.0 - k) ** t)


register(Exercise(
    name="exponential_decay", lesson=LESSON, reference=exponential_decay, points=1,
    visible=lambda: _sched_cases("exp", False), hidden=lambda: _sched_cases("exp", True),
    mistakes=[
        Mistake("sign", "exp(k * t) grows; the decay is exp(-k * t)", _ed_no_minus),
        Mistake("power_of_k", "lr0 * k ** t; the formula is lr0 * exp(-k * t)", _ed_power),
        Mistake("discrete", "lr0 * (1 - k) ** t is close for small k but not the same; use exp(-k * t)",
                _ed_one_minus),
    ]))


# --- max_stable_lr --------------------------------------------------------------------------

def _msl_cases(hidden):
    if not hidden:
        return [Case("H=diag(1, 10)", (np.diag([1.0, 10.0]),)),
                Case("H=[[3, 1], [1, 2]]", (np.array([[3.0, 1.0], [1.0, 2.0]]),))]
    cases = [Case("H=[[2]] (one dimension)", (np.array([[2.0]]),)),
             Case("H=diag(25, 1): the largest eigenvalue comes first", (np.diag([25.0, 1.0]),)),
             Case("H=[[1, 0.9], [0.9, 1]]: eigenvalues 0.1 and 1.9, diagonal 1", (np.array([[1.0, 0.9], [0.9, 1.0]]),)),
             Case("H=[[4, -2, 0], [-2, 4, -2], [0, -2, 4]]", (np.array([[4.0, -2, 0], [-2, 4, -2], [0, -2, 4]]),)),
             Case("H=1e-3 * identity(3): tiny curvature, large lr", (1e-3 * np.eye(3),))]
    for seed in (3, 4, 5):
        d = 2 + seed
        cases.append(Case(f"random SPD {d}x{d} (seed {seed})", (_random_spd(seed, d),)))
    return cases


def _msl_one_over(H):
    return float(1.0 / np.linalg.eigvalsh(H).max())


def _msl_lambda_min(H):
    return float(2.0 / np.linalg.eigvalsh(H).min())


def _msl_diag(H):
    return float(2.0 / np.max(np.diag(H)))


def _msl_norm(H):
    return float(2.0 / np.linalg.norm(H))


def _msl_first(H):
    return float(2.0 / np.linalg.eigvalsh(H)[0])


register(Exercise(
    name="max_stable_lr", lesson=LESSON, reference=max_stable_lr, points=3,
    visible=lambda: _msl_cases(False), hidden=lambda: _msl_cases(True),
    mistakes=[
        Mistake("one_over", "1 / lambda_max is where the fastest direction is solved in one step; the "
                "stability limit is |1 - lr lambda| < 1, i.e. lr < 2 / lambda_max", _msl_one_over),
        Mistake("lambda_min", "uses the smallest eigenvalue; the stiffest direction (largest eigenvalue) "
                "sets the limit", _msl_lambda_min),
        Mistake("diagonal", "uses the largest diagonal entry; it equals the largest eigenvalue only for a "
                "diagonal H: use the eigenvalues (np.linalg.eigvalsh)", _msl_diag),
        Mistake("frobenius_norm", "np.linalg.norm(H) is the Frobenius norm, not the largest eigenvalue",
                _msl_norm),
    ]))


# --- warmup_cosine ---------------------------------------------------------------

from coursegrader.reference.critical_points import classify_critical_point  # noqa: E402 (appended block, one per exercise)
from coursegrader.reference.schedules import warmup_cosine  # noqa: E402
from coursekit.check.runners import BAD_INPUT, expect_value_error  # noqa: E402


def _wc_case(lr0, warmup, total, t, min_lr=None, note=""):
    label = f"lr0={lr0:g}, warmup={warmup}, total={total}, t={t}"
    if min_lr is None:
        return Case(label + note, (lr0, warmup, total, t))
    return Case(f"{label}, min_lr={min_lr:g}{note}", (lr0, warmup, total, t), {"min_lr": min_lr})


def _wc_cases(hidden):
    if not hidden:
        return [_wc_case(0.1, 10, 100, 5, note=": half-way up the warm-up"),
                _wc_case(0.1, 10, 100, 55, note=": half-way down the cosine"),
                _wc_case(0.1, 10, 100, 30, min_lr=0.01),
                Case(f"{BAD_INPUT}: warmup=100 = total=100 must raise ValueError", (0.1, 100, 100, 5))]
    cases = [
        _wc_case(0.1, 0, 50, 0, note=": warmup=0, step 0 gets lr0"),
        _wc_case(0.2, 0, 40, 13, min_lr=0.02, note=" (no warm-up: torch's CosineAnnealingLR)"),
        _wc_case(0.5, 4, 20, 0, min_lr=0.05, note=": the ramp starts at 0, not at min_lr"),
        _wc_case(0.5, 4, 20, 3, min_lr=0.05, note=": last warm-up step"),
        _wc_case(0.5, 4, 20, 4, min_lr=0.05, note=": t = warmup gives lr0"),
        _wc_case(0.5, 4, 20, 9, min_lr=0.05),
        _wc_case(0.5, 4, 20, 20, min_lr=0.05, note=": t = total gives min_lr"),
        _wc_case(0.5, 4, 20, 27, min_lr=0.05, note=": after total the rate stays at min_lr"),
        _wc_case(3e-4, 500, 10000, 137),
        _wc_case(3e-4, 500, 10000, 7321, min_lr=1e-5),
        _wc_case(1.0, 1, 2, 1, note=": one warm-up step, one cosine step"),
        _wc_case(1.0, 3, 9, 40, note=": long after total, min_lr=0"),
    ]
    rng = np.random.default_rng(250)
    for _ in range(3):
        total = int(rng.integers(20, 400))
        warmup = int(rng.integers(1, total // 2))
        t = int(rng.integers(0, total + 1))
        cases.append(_wc_case(round(float(rng.uniform(0.01, 1.0)), 4), warmup, total, t,
                              min_lr=round(float(rng.uniform(0.0, 0.01)), 5), note=" (random)"))
    cases += [Case(f"{BAD_INPUT}: warmup=30 > total=20 must raise ValueError", (0.1, 30, 20, 5)),
              Case(f"{BAD_INPUT}: warmup=-1 must raise ValueError", (0.1, -1, 20, 5)),
              Case(f"{BAD_INPUT}: t=-1 must raise ValueError", (0.1, 5, 20, -1))]
    return cases


def _wc(lr0, warmup, total, t, min_lr, *, ramp=lambda lr0, warmup, t, min_lr: lr0 * t / warmup,
        span=lambda warmup, total: total - warmup, shift=True, floor=True, subtract_min=True):
    """The schedule with one part swappable; validates like the spec (the mistakes are in the formula)."""
    if not 0 <= warmup < total:
        raise ValueError(f"need 0 <= warmup < total, got warmup={warmup}, total={total}")
    if t < 0:
        raise ValueError(f"t must be >= 0, got {t}")
    if t < warmup:
        return float(ramp(lr0, warmup, t, min_lr))
    if t > total and floor:
        return float(min_lr)
    cosine = (1.0 + math.cos(math.pi * ((t - warmup) if shift else t) / span(warmup, total))) / 2.0
    return float(min_lr + ((lr0 - min_lr) if subtract_min else lr0) * cosine)


def _wc_warmup_off_by_one(lr0, warmup, total, t, min_lr=0.0):
    return _wc(lr0, warmup, total, t, min_lr, ramp=lambda lr0, warmup, t, min_lr: lr0 * (t + 1) / warmup)


def _wc_ramp_from_min_lr(lr0, warmup, total, t, min_lr=0.0):
    return _wc(lr0, warmup, total, t, min_lr,
               ramp=lambda lr0, warmup, t, min_lr: min_lr + (lr0 - min_lr) * t / warmup)


def _wc_cosine_over_total(lr0, warmup, total, t, min_lr=0.0):
    return _wc(lr0, warmup, total, t, min_lr, span=lambda warmup, total: total)


def _wc_cosine_from_zero(lr0, warmup, total, t, min_lr=0.0):
    return _wc(lr0, warmup, total, t, min_lr, shift=False)


def _wc_min_lr_not_subtracted(lr0, warmup, total, t, min_lr=0.0):
    return _wc(lr0, warmup, total, t, min_lr, subtract_min=False)


def _wc_climbs_after_total(lr0, warmup, total, t, min_lr=0.0):
    return _wc(lr0, warmup, total, t, min_lr, floor=False)


register(Exercise(
    name="warmup_cosine", lesson=LESSON, reference=warmup_cosine, points=3,
    visible=lambda: _wc_cases(False), hidden=lambda: _wc_cases(True), run=expect_value_error(),
    mistakes=[
        Mistake("warmup_off_by_one", "the warm-up is lr0 * t / warmup: step 0 gets 0 and step warmup gets lr0 "
                "(lr0 * (t + 1) / warmup reaches lr0 one step early)", _wc_warmup_off_by_one),
        Mistake("warmup_from_min_lr", "the warm-up ramps from 0, not from min_lr: lr0 * t / warmup",
                _wc_ramp_from_min_lr),
        Mistake("cosine_over_total", "the cosine runs over the total - warmup steps after the warm-up: "
                "cos(pi * (t - warmup) / (total - warmup)), not / total", _wc_cosine_over_total),
        Mistake("cosine_not_shifted", "the cosine starts when the warm-up ends: use t - warmup inside the "
                "cosine, so that t = warmup gives lr0", _wc_cosine_from_zero),
        Mistake("min_lr_not_subtracted", "the cosine moves between lr0 and min_lr: min_lr + (lr0 - min_lr) * "
                "(1 + cos(...)) / 2, so t = warmup gives lr0 (not lr0 + min_lr)", _wc_min_lr_not_subtracted),
        Mistake("climbs_after_total", "after total the rate stays at min_lr; the cosine formula would climb "
                "again (that is what torch's CosineAnnealingLR does past T_max)", _wc_climbs_after_total),
    ]))


# --- classify_critical_point -------------------------------------------------------

def _hessian(eigenvalues, seed):
    """A symmetric matrix with the given eigenvalues in a random orthonormal basis (exactly symmetric)."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(lam), len(lam))))
    H = (q * lam) @ q.T
    return (H + H.T) / 2.0


def _ccp_case(label, H, tol=None):
    H = np.asarray(H, dtype=np.float64)
    if tol is None:
        return Case(label, (H,))
    return Case(f"{label}, tol={tol:g}", (H,), {"tol": tol})


def _ccp_cases(hidden):
    if not hidden:
        return [_ccp_case("H=diag(2, 3)", np.diag([2.0, 3.0])),
                _ccp_case("H=diag(2, -2): x**2 - y**2 at the origin", np.diag([2.0, -2.0])),
                _ccp_case("H=[[0, -2], [-2, 0]]: f(a, b) = (1 - a*b)**2 at the origin", [[0.0, -2.0], [-2.0, 0.0]]),
                Case(f"{BAD_INPUT}: H of shape (2, 3) must raise ValueError", (np.ones((2, 3)),))]
    cases = [
        _ccp_case("H=-identity(3)", -np.eye(3)),
        _ccp_case("H=diag(1, 0): a valley, the test says nothing", np.diag([1.0, 0.0])),
        _ccp_case("H=zeros((2, 2)): x**4 + y**4 at the origin", np.zeros((2, 2))),
        _ccp_case("H=[[2, 2], [2, 2]]: f(a, b) = (1 - a*b)**2 at (1, 1), eigenvalues 4 and 0", [[2.0, 2.0], [2.0, 2.0]]),
        _ccp_case("H=[[1, 2], [2, 1]]: positive diagonal, eigenvalues 3 and -1", [[1.0, 2.0], [2.0, 1.0]]),
        _ccp_case("H=[[-3, 2], [2, -3]]: eigenvalues -1 and -5", [[-3.0, 2.0], [2.0, -3.0]]),
        _ccp_case("H=diag(1, -1, -1): determinant > 0, a saddle in 3-D", np.diag([1.0, -1.0, -1.0])),
        _ccp_case("H=diag(-1, -1, 2, 3): determinant > 0, trace > 0", np.diag([-1.0, -1.0, 2.0, 3.0])),
        _ccp_case("H=[[1, 3], [3, 2]]: positive diagonal, determinant < 0", [[1.0, 3.0], [3.0, 2.0]]),
        _ccp_case("H=[[-1, 2], [2, -1]]: negative diagonal, eigenvalues 1 and -3", [[-1.0, 2.0], [2.0, -1.0]]),
        _ccp_case("H=diag(-1, 0, -2)", np.diag([-1.0, 0.0, -2.0])),
        _ccp_case("H=diag(2, 1e-10, 3)", np.diag([2.0, 1e-10, 3.0])),
        _ccp_case("eigenvalues (1, 1e-12): below tol, degenerate", _hessian([1.0, 1e-12], 1)),
        _ccp_case("eigenvalues (-2, -1e-10, -1): within tol of 0, degenerate", _hessian([-2.0, -1e-10, -1.0], 2)),
        _ccp_case("eigenvalues (1, 1e-12)", _hessian([1.0, 1e-12], 3), tol=1e-14),
        _ccp_case("eigenvalues (3, 0.2, -0.2): small ones inside tol", _hessian([3.0, 0.2, -0.2], 4), tol=0.5),
        _ccp_case("eigenvalues (-4, -0.3)", _hessian([-4.0, -0.3], 5), tol=0.1),
        _ccp_case("H=[[5]]: one dimension", [[5.0]]),
    ]
    for seed, lam in ((6, [2.0, -0.5, 1.0, 3.0]), (7, [-1.0, -2.0, -0.1, -5.0, -3.0]), (8, [0.3, 1.5, 2.0])):
        cases.append(_ccp_case(f"random {len(lam)}x{len(lam)} symmetric (seed {seed})", _hessian(lam, seed)))
    cases += [Case(f"{BAD_INPUT}: H=[[1, 2], [0, 1]] (not symmetric) must raise ValueError",
                   (np.array([[1.0, 2.0], [0.0, 1.0]]),)),
              Case(f"{BAD_INPUT}: H of shape (3,) must raise ValueError", (np.array([1.0, 2.0, 3.0]),))]
    return cases


def _ccp_validated(H):
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be square, got shape {H.shape}")
    if not np.allclose(H, H.T):
        raise ValueError("H must be symmetric")
    return H


def _ccp_from(lam, pos, neg):
    if pos.any() and neg.any():
        return "saddle"
    if pos.all():
        return "minimum"
    if neg.all():
        return "maximum"
    return "degenerate"


def _ccp_no_tolerance(H, tol=1e-8):
    lam = np.linalg.eigvalsh(_ccp_validated(H))
    return _ccp_from(lam, lam > 0, lam < 0)


def _ccp_tol_wrong_side(H, tol=1e-8):
    lam = np.linalg.eigvalsh(_ccp_validated(H))
    return _ccp_from(lam, lam > -tol, lam < tol)


def _ccp_semidefinite_minimum(H, tol=1e-8):
    lam = np.linalg.eigvalsh(_ccp_validated(H))
    if (lam > tol).any() and (lam < -tol).any():
        return "saddle"
    if (lam >= -tol).all():
        return "minimum"
    if (lam <= tol).all():
        return "maximum"
    return "degenerate"


def _ccp_diagonal(H, tol=1e-8):
    d = np.diag(_ccp_validated(H))
    return _ccp_from(d, d > tol, d < -tol)


def _ccp_determinant(H, tol=1e-8):
    H = _ccp_validated(H)
    det, trace = np.linalg.det(H), np.trace(H)
    if abs(det) <= tol:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if trace > 0 else "maximum"


def _ccp_swapped(H, tol=1e-8):
    lam = np.linalg.eigvalsh(_ccp_validated(H))
    up, down = lam > tol, lam < -tol
    if up.any() and down.any():
        return "saddle"
    if up.all():
        return "maximum"
    if down.all():
        return "minimum"
    return "degenerate"


register(Exercise(
    name="classify_critical_point", lesson=LESSON, reference=classify_critical_point, points=3,
    visible=lambda: _ccp_cases(False), hidden=lambda: _ccp_cases(True), run=expect_value_error(),
    mistakes=[
        Mistake("no_tolerance", "eigenvalues are compared with 0 exactly: one within tol of 0 (1e-12, say) "
                "counts as zero, and then the test says nothing (\"degenerate\")", _ccp_no_tolerance),
        Mistake("tolerance_wrong_side", "the tolerance is on the wrong side: positive means lam > tol and "
                "negative lam < -tol, so an eigenvalue in [-tol, tol] is neither", _ccp_tol_wrong_side),
        Mistake("semidefinite_is_minimum", "all eigenvalues >= 0 is not enough for a minimum: with one of them "
                "(within tol of) 0 the second-order test says nothing (\"degenerate\")", _ccp_semidefinite_minimum),
        Mistake("minimum_maximum_swapped", "a minimum curves up in every direction: all eigenvalues > tol; "
                "a maximum has all of them < -tol", _ccp_swapped),
        Mistake("diagonal_entries", "the signs of H's diagonal entries are not those of its eigenvalues "
                "([[1, 2], [2, 1]] has a positive diagonal and eigenvalues 3 and -1): use np.linalg.eigvalsh(H)",
                _ccp_diagonal),
        Mistake("determinant_test", "the determinant/trace test only works for 2x2 matrices (diag(1, -1, -1) "
                "has det > 0 and is a saddle): look at the sign of every eigenvalue", _ccp_determinant),
    ]))
