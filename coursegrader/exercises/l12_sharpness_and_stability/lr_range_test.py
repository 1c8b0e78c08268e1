"""lr_range_test: hidden cases and catalogued mistakes."""
from __future__ import annotations

import math

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.lr_finder import lr_range_test
from coursekit.check.tasks.l12_sharpness_and_stability import LR_RANGE_TEST, LeastSquares, Quadratic


class Quartic:
    """loss = sum(p^4) + 1: its gradient explodes, the loss overflows to inf (not finite)."""

    def __call__(self, p):
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.sum(p ** 4) + 1.0), 4.0 * p ** 3

    def __repr__(self):
        return "p -> (sum(p**4) + 1, 4 p**3)"


class LogBarrier:
    """loss = (p0 - 2)^2 - log(p0) + 2 + p1^2: a step too large sends p0 below 0, where the loss is NaN."""

    def __call__(self, p):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (float((p[0] - 2.0) ** 2 - np.log(p[0]) + 2.0 + p[1] ** 2),
                    np.array([2.0 * (p[0] - 2.0) - 1.0 / p[0], 2.0 * p[1]]))

    def __repr__(self):
        return "p -> ((p0 - 2)**2 - log(p0) + 2 + p1**2, its gradient)"


class LogCosh:
    """loss = sum(log(cosh(p))) + 0.5: a bounded gradient, so it never blows up."""

    def __call__(self, p):
        return float(np.sum(np.log(np.cosh(p))) + 0.5), np.tanh(p)

    def __repr__(self):
        return "p -> (sum(log(cosh(p))) + 0.5, tanh(p))"


def hidden_cases():
    quad = Quadratic([1.0, 10.0])
    return [
        Case("0.5 (p1^2 + 10 p2^2) from (2, -1), lr_min=1e-3, lr_max=100, num_steps=60, beta=0.9",
             (quad, np.array([2.0, -1.0])), {"lr_min": 1e-3, "lr_max": 100.0, "num_steps": 60, "beta": 0.9}),
        Case("least squares (40 x 3) from 0, defaults", (LeastSquares(1231), np.zeros(3))),
        Case("least squares (40 x 3) from (1, 1, 1), stop_factor=2, num_steps=80",
             (LeastSquares(1232), np.ones(3)), {"stop_factor": 2.0, "num_steps": 80}),
        Case("least squares (40 x 3) from (1, 1, 1), lr_min=0.1, lr_max=3, num_steps=120, stop_factor=2: "
             "the loss climbs slowly", (LeastSquares(1232), np.ones(3)),
             {"lr_min": 0.1, "lr_max": 3.0, "num_steps": 120, "stop_factor": 2.0}),
        Case("sum(p^4) + 1 from (2, 1), lr_min=0.2, beta=0.5, stop_factor=1e300: the loss overflows to inf",
             (Quartic(), np.array([2.0, 1.0])),
             {"lr_min": 0.2, "lr_max": 10.0, "num_steps": 30, "beta": 0.5, "stop_factor": 1e300}),
        Case("(p0 - 2)^2 - log(p0) + 2 + p1^2 from (1, 1), lr_min=0.01, num_steps=60, stop_factor=1e300: "
             "the loss becomes NaN", (LogBarrier(), np.array([1.0, 1.0])),
             {"lr_min": 0.01, "lr_max": 10.0, "num_steps": 60, "stop_factor": 1e300}),
        Case("sum(log cosh p) + 0.5 from (3, -2, 1): never blows up, all num_steps=40 steps",
             (LogCosh(), np.array([3.0, -2.0, 1.0])), {"lr_min": 1e-3, "lr_max": 5.0, "num_steps": 40}),
        Case("0.5 (p1^2 + 10 p2^2) from (1, 1), beta=0: no smoothing", (quad, np.array([1.0, 1.0])),
             {"beta": 0.0, "lr_min": 1e-3, "lr_max": 10.0, "num_steps": 25}),
        Case("0.5 (p1^2 + 10 p2^2) from (1, 1), num_steps=2: lr_min then lr_max", (quad, np.array([1.0, 1.0])),
             {"lr_min": 0.01, "lr_max": 0.1, "num_steps": 2}),
        Case("0.5 p^T diag(1, 4, 9) p, p a (3,) array from (1, -1, 2), stop_factor=1e6, lr_max=1",
             (Quadratic([1.0, 4.0, 9.0]), np.array([1.0, -1.0, 2.0])),
             {"stop_factor": 1e6, "lr_min": 1e-4, "lr_max": 1.0, "num_steps": 70}),
        Case("bad input: lr_min=0 must raise ValueError", (quad, np.ones(2)), {"lr_min": 0.0}, raises=ValueError),
        Case("bad input: num_steps=1 must raise ValueError", (quad, np.ones(2)), {"num_steps": 1}, raises=ValueError),
        Case("bad input: beta=1 must raise ValueError", (quad, np.ones(2)), {"beta": 1.0}, raises=ValueError),
        Case("bad input: lr_min = lr_max = 0.1 must raise ValueError", (quad, np.ones(2)),
             {"lr_min": 0.1, "lr_max": 0.1}, raises=ValueError),
    ]


# --- catalogued mistakes ----------------------------------------------------------------------

def check_arguments(lr_min, lr_max, num_steps, beta):
    """The ValueError every implementation raises (not a mistake: each wrong one repeats it)."""
    if not 0 < lr_min < lr_max or num_steps < 2 or not 0 <= beta < 1:
        raise ValueError("needs 0 < lr_min < lr_max, num_steps >= 2 and 0 <= beta < 1")


def no_bias_correction(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                       stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, best, lrs, losses = 0.0, math.inf, [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg  # not divided by 1 - beta**(i + 1): starts near 0
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(loss) or smoothed > stop_factor * best:
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


def linear_spacing(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                   stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, best, lrs, losses = 0.0, math.inf, [], []
    for i in range(num_steps):
        lr = lr_min + (lr_max - lr_min) * i / (num_steps - 1)  # evenly spaced, not on a log scale
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(loss) or smoothed > stop_factor * best:
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


def exponent_off_by_one(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                        stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, best, lrs, losses = 0.0, math.inf, [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / num_steps)  # never reaches lr_max
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(loss) or smoothed > stop_factor * best:
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


def compares_with_first(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                        stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, first, lrs, losses = 0.0, None, [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        losses.append(smoothed)
        first = smoothed if first is None else first
        if not math.isfinite(loss) or smoothed > stop_factor * first:  # the first loss, not the lowest so far
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


def records_raw_loss(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                     stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, best, lrs, losses = 0.0, math.inf, [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        losses.append(loss)  # the raw loss is recorded (the smoothed one only decides when to stop)
        best = min(best, smoothed)
        if not math.isfinite(loss) or smoothed > stop_factor * best:
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


def stops_before_recording(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                           stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, best, lrs, losses = 0.0, math.inf, [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        best = min(best, smoothed)
        if not math.isfinite(loss) or smoothed > stop_factor * best:
            break  # before recording the step that triggered the stop
        lrs.append(lr)
        losses.append(smoothed)
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


def no_finite_check(loss_and_grad, params, *, lr_min=1e-7, lr_max=10.0, num_steps=100, beta=0.98,
                    stop_factor=4.0):
    check_arguments(lr_min, lr_max, num_steps, beta)
    p = np.array(params, dtype=np.float64)
    avg, best, lrs, losses = 0.0, math.inf, [], []
    for i in range(num_steps):
        lr = lr_min * (lr_max / lr_min) ** (i / (num_steps - 1))
        loss, grad = loss_and_grad(p)
        loss = float(loss)
        avg = beta * avg + (1 - beta) * loss
        smoothed = avg / (1 - beta ** (i + 1))
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if smoothed > stop_factor * best:  # a NaN loss compares False with everything: the test goes on
            break
        p = p - lr * np.asarray(grad, dtype=np.float64)
    return np.array(lrs), np.array(losses)


EXERCISE = Exercise.of(
    LR_RANGE_TEST, reference=lr_range_test, points=5, hidden=hidden_cases,
    mistakes=[
        Mistake("no_bias_correction", "the smoothed loss is avg / (1 - beta**(i + 1)): without the bias "
                "correction the average starts near 0 (it starts at 0) and the first losses look tiny",
                no_bias_correction),
        Mistake("linear_spacing", "the learning rates are evenly spaced on a log scale: lr_min * (lr_max / "
                "lr_min)**(i / (num_steps - 1)), not lr_min + (lr_max - lr_min) * i / (num_steps - 1)",
                linear_spacing),
        Mistake("exponent_off_by_one", "the exponent is i / (num_steps - 1), so that the last step uses lr_max; "
                "i / num_steps never gets there", exponent_off_by_one),
        Mistake("compares_with_first", "the test stops when the smoothed loss exceeds stop_factor times the "
                "*lowest* smoothed loss so far, not the first one", compares_with_first),
        Mistake("records_raw_loss", "record the smoothed (bias-corrected) loss, not the raw loss of the step",
                records_raw_loss),
        Mistake("stops_before_recording", "the step that triggers the stop is recorded first: append "
                "(lr_i, smoothed_i), then stop", stops_before_recording),
        Mistake("no_finite_check", "stop as soon as the loss is not finite (inf or NaN): a NaN never compares "
                "greater than anything, so the smoothed-loss rule alone runs on", no_finite_check),
    ])
