"""Lesson 03 (stochastic and minibatch gradient descent, the training loop): its graded functions as a
student's kernel sees them.

Visible inputs only, built from the kit's generated data sets. ``train_one_epoch`` is checked on a
seeded model, loader, loss and optimizer (:class:`Setup`); its optimizer is :class:`PlainSGD`,
torch's SGD update without torch.optim's machinery (the exercise is the loop, not the optimizer)."""
from __future__ import annotations

import numpy as np

from ...datasets import blobs, linear_regression
from ..task import Case, Task

LESSON = "03_sgd"


def forbidden_autograd():
    """Autograd calls that would do the exercise's differentiation."""
    import torch
    return [torch.autograd.backward, torch.autograd.grad]


def forbidden_losses():
    import torch
    return [torch.nn.functional.mse_loss]


def numbered(n, d=2):
    """X whose rows say which sample they are (row i = i, i + 0.5, ...), y = 10 * i: easy to read."""
    X = np.arange(n, dtype=np.float64)[:, None] + 0.5 * np.arange(d)[None, :]
    return X, 10.0 * np.arange(n, dtype=np.float64)


# --- minibatches ----------------------------------------------------------------------------

def _mb_visible():
    return [Case("10 samples, batch_size=4, no rng: original order, last batch of 2", (*numbered(10), 4)),
            Case("10 samples, batch_size=3, rng=default_rng(0)", (*numbered(10), 3, np.random.default_rng(0))),
            Case("7 samples, y of shape (7, 1), batch_size=3, rng=default_rng(5)",
                 (numbered(7)[0], numbered(7)[1][:, None], 3, np.random.default_rng(5)))]


MINIBATCHES = Task(name="minibatches", lesson=LESSON, parameters=("X", "y", "batch_size", "rng"), visible=_mb_visible)


# --- mse_loss -------------------------------------------------------------------------------

def _mse_visible():
    return [Case("y_pred=(1, 2, 3), y=(1, 2, 5)", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]))),
            Case("y_pred=(0.5, -1), y=(0, 0)", (np.array([0.5, -1.0]), np.array([0.0, 0.0]))),
            Case("(2, 2) arrays: the mean is over every entry",
                 (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 2.0], [1.0, 4.0]])))]


MSE_LOSS = Task(name="mse_loss", lesson=LESSON, parameters=("y_pred", "y"), visible=_mse_visible,
                forbidden=forbidden_losses())


# --- linear_regression_grad -----------------------------------------------------------------

def _lrg_visible():
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    return [Case("w=(0, 0), b=0, 3 samples", (np.zeros(2), 0.0, X, np.array([1.0, 2.0, 3.0]))),
            Case("w=(0.5, -1), b=2, 3 samples", (np.array([0.5, -1.0]), 2.0, X, np.array([1.0, 2.0, 3.0])))]


LINEAR_REGRESSION_GRAD = Task(name="linear_regression_grad", lesson=LESSON, parameters=("w", "b", "X", "y"),
                              visible=_lrg_visible, forbidden=forbidden_autograd())


# --- sgd_linear_regression ------------------------------------------------------------------

def _slr_visible():
    X, y, _, _ = linear_regression(n=40, d=2, seed=1)
    return [Case("40 samples, lr=0.05, batch_size=8, 3 epochs, rng=default_rng(0)",
                 (X, y, 0.05, 8, 3, np.random.default_rng(0))),
            Case("40 samples, lr=0.1, batch_size=40 (full batch), 2 epochs, rng=None", (X, y, 0.1, 40, 2, None)),
            Case("40 samples, lr=0.05, batch_size=16 (last batch of 8), 2 epochs, rng=default_rng(1)",
                 (X, y, 0.05, 16, 2, np.random.default_rng(1)))]


SGD_LINEAR_REGRESSION = Task(name="sgd_linear_regression", lesson=LESSON,
                             parameters=("X", "y", "lr", "batch_size", "epochs", "rng"),
                             visible=_slr_visible, forbidden=forbidden_autograd())


# --- gradient_noise -------------------------------------------------------------------------

X6 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0], [-1.0, 0.5], [0.5, 2.0]])
Y6 = np.array([1.0, -1.0, 0.5, 2.0, 0.0, 1.5])
W6 = np.array([0.5, -1.0])


def _gn_visible():
    return [Case("6 samples, w=(0.5, -1), b=0.2, batch_size=2, n_draws=3, rng=default_rng(0)",
                 (W6, 0.2, X6, Y6, 2, 3, np.random.default_rng(0))),
            Case("6 samples, batch_size=6 = len(X): every batch is the whole data set, noise 0",
                 (W6, 0.2, X6, Y6, 6, 2, np.random.default_rng(1))),
            Case("bad input: batch_size=0 must raise ValueError", (W6, 0.2, X6, Y6, 0, 3, np.random.default_rng(2)),
                 raises=ValueError),
            Case("bad input: n_draws=0 must raise ValueError", (W6, 0.2, X6, Y6, 2, 0, np.random.default_rng(3)),
                 raises=ValueError)]


GRADIENT_NOISE = Task(name="gradient_noise", lesson=LESSON,
                      parameters=("w", "b", "X", "y", "batch_size", "n_draws", "rng"),
                      visible=_gn_visible, forbidden=forbidden_autograd())


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


class Setup:
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


def two_epochs(fn, case):
    """Two epochs from the seeded setup; compare both returned losses and the final weights.

    The models are tiny: torch runs them on one thread (on a busy machine a second intra-op thread
    costs a wake-up of milliseconds per operation, 60 ms per cross-entropy backward at load 10; the
    results are the same, no tensor here is large enough to be split between threads)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, loader, loss_fn, opt = case.args[0].build()
        first = fn(model, loader, loss_fn, opt)
        second = fn(model, loader, loss_fn, opt)
    finally:
        torch.set_num_threads(threads)
    weights = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()
    return first, second, weights


def _toe_visible():
    return [Case("regression (MSELoss), 32 samples, batch_size=8, lr=0.05, no shuffling, 2 epochs",
                 (Setup("regression", 0, 32, 8, 0.05, shuffle=False),)),
            Case("regression, 30 samples, batch_size=8 (last batch of 6), lr=0.05, momentum=0.9, 2 epochs",
                 (Setup("regression", 6, 30, 8, 0.05, 0.9),))]


TRAIN_ONE_EPOCH = Task(name="train_one_epoch", lesson=LESSON, parameters=("model", "loader", "loss_fn", "optimizer"),
                       visible=_toe_visible, run=two_epochs, frozen_inputs=False)

TASKS = [MINIBATCHES, MSE_LOSS, LINEAR_REGRESSION_GRAD, SGD_LINEAR_REGRESSION, GRADIENT_NOISE, TRAIN_ONE_EPOCH]
