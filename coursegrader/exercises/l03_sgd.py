"""Lesson 03 (stochastic and minibatch gradient descent, the training loop): cases and mistakes."""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.sgd import (
    linear_regression_grad,
    minibatches,
    mse_loss,
    sgd_linear_regression,
    train_one_epoch,
)
from coursekit.datasets import blobs, linear_regression

LESSON = "03_sgd"


def _data(n, d=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n)


def _numbered(n, d=2):
    """X whose rows say which sample they are (row i = i, i + 0.5, ...), y = 10 * i: easy to read."""
    X = np.arange(n, dtype=np.float64)[:, None] + 0.5 * np.arange(d)[None, :]
    return X, 10.0 * np.arange(n, dtype=np.float64)


# --- minibatches ----------------------------------------------------------------------------

def _mb_cases(hidden):
    if not hidden:
        return [Case("10 samples, batch_size=4, no rng: original order, last batch of 2",
                     (*_numbered(10), 4)),
                Case("10 samples, batch_size=3, rng=default_rng(0)",
                     (*_numbered(10), 3, np.random.default_rng(0)))]
    X, y = _data(23, 3, seed=1)
    Xi, yi = blobs(n=17, centers=3, seed=2)
    return [Case("23 samples, batch_size=5, rng=default_rng(42)", (X, y, 5, np.random.default_rng(42))),
            Case("24 samples, batch_size=6 (divides n), rng=default_rng(7)",
                 (*_numbered(24, 3), 6, np.random.default_rng(7))),
            Case("12 samples, batch_size=4 (divides n), no rng", (*_numbered(12), 4)),
            Case("7 samples, batch_size=1 (pure SGD), rng=default_rng(3)", (*_numbered(7), 1, np.random.default_rng(3))),
            Case("5 samples, batch_size=5 (one batch = full batch), rng=default_rng(4)",
                 (*_numbered(5), 5, np.random.default_rng(4))),
            Case("6 samples, batch_size=10 (larger than n): one batch of 6", (*_numbered(6), 10, np.random.default_rng(5))),
            Case("17 samples with integer labels, batch_size=4, rng=default_rng(11)",
                 (Xi, yi, 4, np.random.default_rng(11))),
            Case("9 samples, y of shape (9, 1), batch_size=2, rng=default_rng(8)",
                 (_numbered(9)[0], _numbered(9)[1][:, None], 2, np.random.default_rng(8)))]


def _mb_drop_last(X, y, batch_size, rng=None):
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])
            for i in range(0, len(X) - batch_size + 1, batch_size)]


def _mb_array_split(X, y, batch_size, rng=None):
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[idx], y[idx]) for idx in np.array_split(order, max(len(X) // batch_size, 1))]


def _mb_separate(X, y, batch_size, rng=None):
    if rng is not None:
        X = X[rng.permutation(len(X))]
        y = y[rng.permutation(len(y))]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


def _mb_only_x(X, y, batch_size, rng=None):
    if rng is not None:
        X = X[rng.permutation(len(X))]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


def _mb_replacement(X, y, batch_size, rng=None):
    order = rng.integers(0, len(X), size=len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def _mb_ignores_rng(X, y, batch_size, rng=None):
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


register(Exercise(
    name="minibatches", lesson=LESSON, reference=minibatches, points=4,
    visible=lambda: _mb_cases(False), hidden=lambda: _mb_cases(True),
    mistakes=[
        Mistake("drop_last", "the last, smaller batch is dropped: every sample must be used once per epoch",
                _mb_drop_last),
        Mistake("array_split", "np.array_split(order, n // batch_size) spreads the leftover samples over the "
                "batches (sizes differ from batch_size); take slices order[i:i + batch_size] for i in "
                "range(0, n, batch_size)", _mb_array_split),
        Mistake("separate_shuffle", "X and y are shuffled with two different permutations, so samples lose "
                "their labels; draw one order = rng.permutation(len(X)) and index both with it", _mb_separate),
        Mistake("only_x_shuffled", "only X is shuffled; y must be reordered with the same permutation", _mb_only_x),
        Mistake("with_replacement", "samples are drawn with replacement (rng.integers / rng.choice): some "
                "appear twice, others never; use rng.permutation(len(X))", _mb_replacement),
        Mistake("ignores_rng", "rng is ignored: with an rng the order must be rng.permutation(len(X))",
                _mb_ignores_rng),
    ]))


# --- mse_loss -------------------------------------------------------------------------------

def _mse_cases(hidden):
    if not hidden:
        return [Case("y_pred=(1, 2, 3), y=(1, 2, 5)", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]))),
                Case("y_pred=(0.5, -1), y=(0, 0)", (np.array([0.5, -1.0]), np.array([0.0, 0.0])))]
    rng = np.random.default_rng(13)
    return [Case("equal arrays: 0", (np.array([1.0, -2.0]), np.array([1.0, -2.0]))),
            Case("one sample", (np.array([3.0]), np.array([-1.0]))),
            Case("(4, 3) arrays: mean over every entry", (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))),
            Case("(5, 1) arrays", (rng.normal(size=(5, 1)), rng.normal(size=(5, 1)))),
            Case("random, 50 samples, errors of size 100", (100 * rng.normal(size=50), rng.normal(size=50))),
            Case("random, 7 samples", (rng.normal(size=7), rng.normal(size=7)))]


def _mse_sum(y_pred, y):
    return float(np.sum((y_pred - y) ** 2))


def _mse_half(y_pred, y):
    return float(0.5 * np.mean((y_pred - y) ** 2))


def _mse_rmse(y_pred, y):
    return float(np.sqrt(np.mean((y_pred - y) ** 2)))


def _mse_abs(y_pred, y):
    return float(np.mean(np.abs(y_pred - y)))


def _mse_per_row(y_pred, y):
    return float(np.sum((y_pred - y) ** 2) / len(y))


def _forbidden_losses():
    import torch
    return [torch.nn.functional.mse_loss]


register(Exercise(
    name="mse_loss", lesson=LESSON, reference=mse_loss, points=2,
    visible=lambda: _mse_cases(False), hidden=lambda: _mse_cases(True),
    forbidden=_forbidden_losses(),
    mistakes=[
        Mistake("sum", "sums the squared errors; the MSE (torch's default reduction) is their mean", _mse_sum),
        Mistake("half", "0.5 * mean(...): the 1/2 is a convention of some books, torch's MSELoss has none",
                _mse_half),
        Mistake("rmse", "takes the square root (that is the RMSE)", _mse_rmse),
        Mistake("absolute", "mean absolute error; square the errors", _mse_abs),
        Mistake("divides_by_rows", "divides by the number of rows; the mean is over every entry "
                "(rows x columns)", _mse_per_row),
    ]))


# --- linear_regression_grad -----------------------------------------------------------------

def _lrg_cases(hidden):
    if not hidden:
        X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
        return [Case("w=(0, 0), b=0, 3 samples", (np.zeros(2), 0.0, X, np.array([1.0, 2.0, 3.0]))),
                Case("w=(0.5, -1), b=2, 3 samples", (np.array([0.5, -1.0]), 2.0, X, np.array([1.0, 2.0, 3.0])))]
    cases = []
    for seed, (n, d) in enumerate([(20, 3), (1, 4), (64, 1), (9, 5)]):
        X, y, w_true, b_true = linear_regression(n=n, d=d, seed=20 + seed)
        w = np.random.default_rng(seed).normal(size=d)
        cases.append(Case(f"random {n} samples, {d} features (seed {20 + seed}), b=-0.7", (w, -0.7, X, y)))
    X, y, w_true, b_true = linear_regression(n=30, d=2, noise=0.0, seed=40)
    cases.append(Case("at the exact solution of noise-free data: zero gradient", (w_true, b_true, X, y), atol=1e-12))
    return cases


def _lrg_no_two(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / len(y), float(r.sum() / len(y))


def _lrg_sum(w, b, X, y):
    r = X @ w + b - y
    return 2.0 * X.T @ r, float(2.0 * r.sum())


def _lrg_sign(w, b, X, y):
    r = y - (X @ w + b)
    return 2.0 * X.T @ r / len(y), float(2.0 * r.sum() / len(y))


def _lrg_no_b(w, b, X, y):
    r = X @ w - y
    return 2.0 * X.T @ r / len(y), float(2.0 * r.sum() / len(y))


def _lrg_db_sum(w, b, X, y):
    r = X @ w + b - y
    return 2.0 * X.T @ r / len(y), float(2.0 * r.sum())


def _forbidden_autograd():
    import torch
    return [torch.autograd.backward, torch.autograd.grad]


register(Exercise(
    name="linear_regression_grad", lesson=LESSON, reference=linear_regression_grad, points=4,
    visible=lambda: _lrg_cases(False), hidden=lambda: _lrg_cases(True),
    forbidden=_forbidden_autograd(),
    mistakes=[
        Mistake("missing_two", "the factor 2 from d/dr r^2 = 2r is missing", _lrg_no_two),
        Mistake("not_averaged", "the gradient is summed over samples; the loss is a mean, so divide by n",
                _lrg_sum),
        Mistake("sign", "the residual is y - prediction: the gradient of (pred - y)^2 is 2 (pred - y) x",
                _lrg_sign),
        Mistake("b_left_out", "the residual ignores b: it is X @ w + b - y", _lrg_no_b),
        Mistake("db_not_averaged", "db is summed, not averaged over the n samples", _lrg_db_sum),
    ]))


# --- sgd_linear_regression ------------------------------------------------------------------

def _slr_cases(hidden):
    X, y, _, _ = linear_regression(n=40, d=2, seed=1)
    if not hidden:
        return [Case("40 samples, lr=0.05, batch_size=8, 3 epochs, rng=default_rng(0)",
                     (X, y, 0.05, 8, 3, np.random.default_rng(0))),
                Case("40 samples, lr=0.1, batch_size=40 (full batch), 2 epochs, rng=None",
                     (X, y, 0.1, 40, 2, None))]
    X2, y2, _, _ = linear_regression(n=53, d=4, noise=0.3, seed=5)
    X3, y3, _, _ = linear_regression(n=10, d=1, seed=6)
    return [Case("53 samples, 4 features, lr=0.02, batch_size=10 (last batch of 3), 6 epochs, rng=default_rng(1)",
                 (X2, y2, 0.02, 10, 6, np.random.default_rng(1))),
            Case("40 samples, lr=0.01, batch_size=1 (pure SGD), 3 epochs, rng=default_rng(2)",
                 (X, y, 0.01, 1, 3, np.random.default_rng(2))),
            Case("40 samples, lr=0.1, batch_size=40 (full batch), 5 epochs, rng=default_rng(3)",
                 (X, y, 0.1, 40, 5, np.random.default_rng(3))),
            Case("10 samples, 1 feature, lr=0.3, batch_size=4, 4 epochs, rng=None (original order)",
                 (X3, y3, 0.3, 4, 4, None)),
            Case("53 samples, lr=0.05, batch_size=16, 1 epoch, rng=default_rng(9)",
                 (X2, y2, 0.05, 16, 1, np.random.default_rng(9))),
            Case("10 samples, batch_size=32 (larger than n), 3 epochs, rng=default_rng(4)",
                 (X3, y3, 0.2, 32, 3, np.random.default_rng(4))),
            Case("epochs=0: w = 0, b = 0 and no losses", (X3, y3, 0.2, 4, 0, np.random.default_rng(4)))]


def _batches(X, y, batch_size, rng):
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def _slr_generic(X, y, lr, batch_size, epochs, rng, *, grad_scale=None, loss_when="after", batch_loss=False,
                 same_order=False, learn_b=True):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    fixed = _batches(X, y, batch_size, rng) if same_order else None
    for _e in range(epochs):
        if loss_when == "before":
            losses.append(float(np.mean((X @ w + b - y) ** 2)))
        batch_losses = []
        for Xb, yb in (fixed if same_order else _batches(X, y, batch_size, rng)):
            r = Xb @ w + b - yb
            batch_losses.append(float(np.mean(r ** 2)))
            scale = 2.0 / len(yb) if grad_scale is None else grad_scale
            w = w - lr * scale * (Xb.T @ r)
            if learn_b:
                b = b - lr * scale * r.sum()
        if batch_loss:
            losses.append(float(np.mean(batch_losses)))
        elif loss_when == "after":
            losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, float(b), np.array(losses, dtype=np.float64)


def _slr_loss_before(X, y, lr, batch_size, epochs, rng):
    return _slr_generic(X, y, lr, batch_size, epochs, rng, loss_when="before")


def _slr_batch_losses(X, y, lr, batch_size, epochs, rng):
    return _slr_generic(X, y, lr, batch_size, epochs, rng, batch_loss=True)


def _slr_same_order(X, y, lr, batch_size, epochs, rng):
    return _slr_generic(X, y, lr, batch_size, epochs, rng, same_order=True)


def _slr_summed(X, y, lr, batch_size, epochs, rng):
    return _slr_generic(X, y, lr, batch_size, epochs, rng, grad_scale=2.0)


def _slr_no_b(X, y, lr, batch_size, epochs, rng):
    return _slr_generic(X, y, lr, batch_size, epochs, rng, learn_b=False)


register(Exercise(
    name="sgd_linear_regression", lesson=LESSON, reference=sgd_linear_regression, points=5,
    visible=lambda: _slr_cases(False), hidden=lambda: _slr_cases(True),
    forbidden=_forbidden_autograd(),
    mistakes=[
        Mistake("loss_before_epoch", "losses[e] is recorded before the epoch's updates; it is the full-data "
                "MSE after epoch e", _slr_loss_before),
        Mistake("mean_batch_loss", "losses[e] is the mean of the batch losses seen during the epoch; the "
                "spec asks for the MSE on the whole data set after the epoch", _slr_batch_losses),
        Mistake("same_order_every_epoch", "the batches are drawn once and reused: call "
                "minibatches(X, y, batch_size, rng) at the start of every epoch for a fresh order",
                _slr_same_order),
        Mistake("summed_gradient", "the batch gradient is summed over its samples, not averaged (the step "
                "grows with the batch size)", _slr_summed),
        Mistake("b_not_learned", "b is never updated", _slr_no_b),
    ]))


# --- train_one_epoch ------------------------------------------------------------------------

class PlainSGD:
    """``torch.optim.SGD``'s update (lr, momentum) with torch.optim's interface but not its machinery.

    The exercise is the loop, not the optimizer; and torch imports its compiler stack (~800 modules,
    seconds) on the first ``torch.optim`` call, which must not land in a student's timed case.
    ``zero_grad`` sets the gradients to None and ``step`` skips parameters without one, as torch does.
    """

    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.buffers = [None] * len(self.params)

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            p.grad = None

    def step(self, closure=None):
        import torch

        with torch.no_grad():
            for i, p in enumerate(self.params):
                if p.grad is None:
                    continue
                d = p.grad
                if self.momentum:
                    buf = self.buffers[i]
                    buf = d.clone() if buf is None else buf.mul_(self.momentum).add_(d)
                    self.buffers[i] = d = buf
                p.add_(d, alpha=-self.lr)


class _Setup:
    """A seeded model, loader, loss and optimizer: the same for the reference and the student."""

    def __init__(self, task, seed, n, batch_size, lr, momentum=0.0, shuffle=True):
        self.task, self.seed, self.n, self.batch_size = task, seed, n, batch_size
        self.lr, self.momentum, self.shuffle = lr, momentum, shuffle

    def build(self):
        import torch
        from torch import nn
        from torch.utils.data import DataLoader, TensorDataset

        torch.manual_seed(self.seed)
        if self.task == "regression":
            X, y, _, _ = linear_regression(n=self.n, d=3, seed=self.seed)
            target = torch.tensor(y[:, None])
            model, loss_fn = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)), nn.MSELoss()
        elif self.task == "binary":
            X, y = blobs(n=self.n, centers=2, seed=self.seed)
            target = torch.tensor(y[:, None], dtype=torch.float64)
            model, loss_fn = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1)), nn.BCEWithLogitsLoss()
        else:
            X, y = blobs(n=self.n, centers=3, seed=self.seed)
            target = torch.tensor(y)
            model, loss_fn = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 3)), nn.CrossEntropyLoss()
        model = model.double()
        data = TensorDataset(torch.tensor(X), target)
        gen = torch.Generator().manual_seed(self.seed)
        loader = DataLoader(data, batch_size=self.batch_size, shuffle=self.shuffle, generator=gen)
        opt = PlainSGD(model.parameters(), lr=self.lr, momentum=self.momentum)
        return model, loader, loss_fn, opt

    def __repr__(self):
        return f"{self.task}, seed {self.seed}"


def _toe_run(fn, case):
    """Two epochs from the seeded setup; compare both returned losses and the final weights."""
    import torch

    model, loader, loss_fn, opt = case.args[0].build()
    first = fn(model, loader, loss_fn, opt)
    second = fn(model, loader, loss_fn, opt)
    weights = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()
    return first, second, weights


def _toe_cases(hidden):
    if not hidden:
        return [Case("regression (MSELoss), 32 samples, batch_size=8, lr=0.05, 2 epochs",
                     (_Setup("regression", 0, 32, 8, 0.05),))]
    return [Case("regression (MSELoss), 50 samples, batch_size=16 (last batch of 2), lr=0.05, 2 epochs",
                 (_Setup("regression", 1, 50, 16, 0.05),)),
            Case("regression, batch_size=1, lr=0.01, momentum=0.9, 2 epochs", (_Setup("regression", 2, 20, 1, 0.01, 0.9),)),
            Case("binary (BCEWithLogitsLoss), 40 samples, batch_size=7, lr=0.1, 2 epochs",
                 (_Setup("binary", 3, 40, 7, 0.1),)),
            Case("3 classes (CrossEntropyLoss), 60 samples, batch_size=12, lr=0.1, momentum=0.5, no shuffling",
                 (_Setup("multiclass", 4, 60, 12, 0.1, 0.5, shuffle=False),)),
            Case("3 classes, 45 samples, batch_size=45 (one batch), lr=0.2, 2 epochs",
                 (_Setup("multiclass", 5, 45, 45, 0.2),))]


def _toe_no_zero_grad(model, loader, loss_fn, optimizer):
    losses = []
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def _toe_zero_once(model, loader, loss_fn, optimizer):
    losses = []
    optimizer.zero_grad()
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def _toe_zero_before_step(model, loader, loss_fn, optimizer):
    losses = []
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def _toe_last(model, loader, loss_fn, optimizer):
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def _toe_sum(model, loader, loss_fn, optimizer):
    total = 0.0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total


def _toe_weighted(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
        count += len(xb)
    return total / count


register(Exercise(
    name="train_one_epoch", lesson=LESSON, reference=train_one_epoch, points=4,
    visible=lambda: _toe_cases(False), hidden=lambda: _toe_cases(True), run=_toe_run, frozen_inputs=False,
    mistakes=[
        Mistake("no_zero_grad", "optimizer.zero_grad() is never called: torch adds every backward() into "
                ".grad, so each step uses the sum of all gradients so far", _toe_no_zero_grad),
        Mistake("zero_grad_once", "zero_grad() runs once per epoch; call it for every batch", _toe_zero_once),
        Mistake("zero_grad_before_step", "zero_grad() runs between backward() and step(), erasing the gradient "
                "just computed: nothing is learned. Order: zero_grad, backward, step", _toe_zero_before_step),
        Mistake("last_batch_loss", "returns the loss of the last batch; return the mean over all batches",
                _toe_last),
        Mistake("sum_of_losses", "returns the sum of the batch losses; divide by the number of batches",
                _toe_sum),
        Mistake("sample_weighted", "weights each batch's loss by its size; the mean batch loss counts each "
                "batch once (they differ when the last batch is smaller)", _toe_weighted),
    ]))


# --- gradient_noise ----------------------------------------------------------------

from coursegrader.reference.sgd import gradient_noise  # noqa: E402
from coursekit.check.runners import BAD_INPUT, expect_value_error  # noqa: E402 (appended block)


def _used(seed, k=5):
    rng = np.random.default_rng(seed)
    rng.normal(size=k)
    return rng


def _gn_problem(n, d, seed):
    """Noisy linear data and a point (w, b) away from the solution, so the gradients are not 0."""
    X, y, _, _ = linear_regression(n=n, d=d, noise=0.5, seed=seed)
    w = np.random.default_rng(seed + 1).normal(size=d)
    return X, y, w, 0.3


def _gn_cases(hidden):
    X6 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0], [-1.0, 0.5], [0.5, 2.0]])
    y6 = np.array([1.0, -1.0, 0.5, 2.0, 0.0, 1.5])
    w6 = np.array([0.5, -1.0])
    if not hidden:
        return [Case("6 samples, w=(0.5, -1), b=0.2, batch_size=2, n_draws=3, rng=default_rng(0)",
                     (w6, 0.2, X6, y6, 2, 3, np.random.default_rng(0))),
                Case("6 samples, batch_size=6 = len(X): every batch is the whole data set, noise 0",
                     (w6, 0.2, X6, y6, 6, 2, np.random.default_rng(1))),
                Case(f"{BAD_INPUT}: batch_size=0 must raise ValueError", (w6, 0.2, X6, y6, 0, 3, np.random.default_rng(2)))]
    X, y, w, b = _gn_problem(40, 3, 300)
    X1, y1, _, _ = _gn_problem(25, 1, 310)
    Xe, ye, we, be = linear_regression(n=12, d=2, noise=0.0, seed=320)
    return [
        Case("40 samples, 3 features, batch_size=5, n_draws=20, rng=default_rng(1)", (w, b, X, y, 5, 20, np.random.default_rng(1))),
        Case("40 samples, batch_size=1 (pure SGD), n_draws=15", (w, b, X, y, 1, 15, np.random.default_rng(2))),
        Case("40 samples, batch_size=39, n_draws=8", (w, b, X, y, 39, 8, np.random.default_rng(3))),
        Case("40 samples, batch_size=40 = len(X): noise 0", (w, b, X, y, 40, 4, np.random.default_rng(4))),
        Case("40 samples, batch_size=8, n_draws=1: one draw", (w, b, X, y, 8, 1, np.random.default_rng(5))),
        Case("25 samples, 1 feature, w=-2, b=1.5, batch_size=4, n_draws=12, a generator already used",
             (np.array([-2.0]), 1.5, X1, y1, 4, 12, _used(6))),
        Case("12 samples of noise-free data at the exact solution: every gradient is 0",
             (we, be, Xe, ye, 3, 5, np.random.default_rng(7)), atol=1e-12),
        Case("6 samples, w=(0.5, -1), b=-1, batch_size=3, n_draws=10", (w6, -1.0, X6, y6, 3, 10, np.random.default_rng(8))),
        Case(f"{BAD_INPUT}: batch_size=41 > len(X)=40 must raise ValueError", (w, b, X, y, 41, 3, np.random.default_rng(9))),
        Case(f"{BAD_INPUT}: n_draws=0 must raise ValueError", (w, b, X, y, 5, 0, np.random.default_rng(10))),
    ]


def _gn(w, b, X, y, batch_size, n_draws, rng, *, draw="choice", with_db=True, reduce="squared_norm",
        average=True, reuse=False):
    """Gradient noise with one part swappable; validates like the spec (the mistakes are elsewhere)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = len(X)
    if not 1 <= batch_size <= n or n_draws < 1:
        raise ValueError("need 1 <= batch_size <= len(X) and n_draws >= 1")

    def grad(Xb, yb):
        r = Xb @ w + b - yb
        dw = 2.0 / len(yb) * Xb.T @ r
        return np.append(dw, 2.0 / len(yb) * r.sum()) if with_db else dw

    g = grad(X, y)
    values = []
    idx = None
    for _ in range(n_draws):
        if idx is None or not reuse:
            if draw == "choice":
                idx = rng.choice(n, size=batch_size, replace=False)
            elif draw == "replacement":
                idx = rng.choice(n, size=batch_size)
            else:
                idx = rng.permutation(n)[:batch_size]
        diff = grad(X[idx], y[idx]) - g
        values.append({"squared_norm": np.sum(diff ** 2), "norm": np.sqrt(np.sum(diff ** 2)),
                       "mean": np.mean(diff ** 2)}[reduce])
    return float(np.mean(values) if average else np.sum(values))


def _gn_replacement(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, draw="replacement")


def _gn_permutation(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, draw="permutation")


def _gn_dw_only(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, with_db=False)


def _gn_norm(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, reduce="norm")


def _gn_mean_over_entries(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, reduce="mean")


def _gn_summed(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, average=False)


def _gn_one_batch(w, b, X, y, batch_size, n_draws, rng):
    return _gn(w, b, X, y, batch_size, n_draws, rng, reuse=True)


register(Exercise(
    name="gradient_noise", lesson=LESSON, reference=gradient_noise, points=4,
    visible=lambda: _gn_cases(False), hidden=lambda: _gn_cases(True), run=expect_value_error(),
    forbidden=_forbidden_autograd(),
    mistakes=[
        Mistake("with_replacement", "the batch is drawn with replacement (rng.choice's default): draw it with "
                "rng.choice(len(X), size=batch_size, replace=False), so a batch of len(X) is the whole data set",
                _gn_replacement),
        Mistake("permutation_draw", "the batch comes from rng.permutation(len(X))[:batch_size]: the same "
                "distribution, but other numbers; the spec fixes rng.choice(len(X), size=batch_size, "
                "replace=False), one call per draw", _gn_permutation),
        Mistake("dw_only", "only dw is compared: g stacks dw and db into one vector of d + 1 entries "
                "(np.append(dw, db))", _gn_dw_only),
        Mistake("norm_not_squared", "the noise is the mean of the squared norm ||g_B - g||**2, not of the norm",
                _gn_norm),
        Mistake("mean_over_entries", "np.mean((g_B - g)**2) averages over the d + 1 entries; the squared norm "
                "sums them", _gn_mean_over_entries),
        Mistake("summed_over_draws", "the squared norms are summed over the draws; the result is their mean "
                "(divide by n_draws)", _gn_summed),
        Mistake("one_batch_reused", "the batch is drawn once and reused: draw a new one for every one of the "
                "n_draws draws", _gn_one_batch),
    ]))
