"""mse_loss: hidden cases and catalogued mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.sgd import mse_loss
from coursekit.check.tasks.l03_sgd import MSE_LOSS


def hidden_cases():
    rng = np.random.default_rng(13)
    return [Case("equal arrays: 0", (np.array([1.0, -2.0]), np.array([1.0, -2.0]))),
            Case("one sample", (np.array([3.0]), np.array([-1.0]))),
            Case("(4, 3) arrays: mean over every entry", (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))),
            Case("(5, 1) arrays", (rng.normal(size=(5, 1)), rng.normal(size=(5, 1)))),
            Case("random, 50 samples, errors of size 100", (100 * rng.normal(size=50), rng.normal(size=50))),
            Case("random, 7 samples", (rng.normal(size=7), rng.normal(size=7)))]


def summed(y_pred, y):
    return float(np.sum((y_pred - y) ** 2))


def half(y_pred, y):
    return float(0.5 * np.mean((y_pred - y) ** 2))


def rmse(y_pred, y):
    return float(np.sqrt(np.mean((y_pred - y) ** 2)))


def absolute(y_pred, y):
    return float(np.mean(np.abs(y_pred - y)))


def divides_by_rows(y_pred, y):
    return float(np.sum((y_pred - y) ** 2) / len(y))


EXERCISE = Exercise.of(
    MSE_LOSS, reference=mse_loss, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("sum", "sums the squared errors; the MSE (torch's default reduction) is their mean", summed),
        Mistake("half", "0.5 * mean(...): the 1/2 is a convention of some books, torch's MSELoss has none", half),
        Mistake("rmse", "takes the square root (that is the RMSE)", rmse),
        Mistake("absolute", "mean absolute error; square the errors", absolute),
        Mistake("divides_by_rows", "divides by the number of rows; the mean is over every entry "
                "(rows x columns)", divides_by_rows),
    ])
