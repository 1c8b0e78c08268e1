"""Lesson 03: minibatches, the MSE loss, SGD on linear regression, and torch's training loop."""
from __future__ import annotations

import numpy as np


def minibatches(X, y, batch_size, rng=None):
    """Split ``(X, y)`` into minibatches for one epoch.

    X: (n, ...) and y: (n, ...) with the same first dimension; batch_size: int >= 1;
    rng: a ``np.random.Generator`` or None. With ``rng`` the samples are visited in the order
    ``rng.permutation(len(X))`` (one call, the same order for X and y); without it in the original
    order. Returns a list of ``(Xb, yb)``: every sample exactly once, batches of ``batch_size``
    rows, the last one smaller when ``batch_size`` does not divide n. Inputs are not modified.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = len(X)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, n, batch_size)]


def mse_loss(y_pred, y):
    """Mean squared error ``mean((y_pred - y)**2)`` over every entry (torch ``MSELoss()``).

    y_pred, y: arrays of the same shape -> float.
    """
    diff = np.asarray(y_pred, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    return float(np.mean(diff ** 2))


def linear_regression_grad(w, b, X, y):
    """Gradient of ``mse_loss(X @ w + b, y)`` with respect to ``w`` and ``b``.

    w: (d,), b: float, X: (n, d), y: (n,). With residual ``r = X @ w + b - y``:
    ``dw = 2 / n * X.T @ r`` (shape (d,)) and ``db = 2 / n * sum(r)`` (a float).
    """
    X = np.asarray(X, dtype=np.float64)
    r = X @ np.asarray(w, dtype=np.float64) + b - np.asarray(y, dtype=np.float64)
    n = len(y)
    return 2.0 / n * (X.T @ r), float(2.0 / n * r.sum())


def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    """Minibatch SGD on ``mse_loss(X @ w + b, y)``, starting from w = 0, b = 0.

    Each epoch visits ``minibatches(X, y, batch_size, rng)`` (a new permutation per epoch, from
    the same ``rng``) and takes one step ``w -= lr * dw, b -= lr * db`` per batch, the gradient
    being that of the batch's mean loss. X: (n, d), y: (n,).
    Returns ``(w, b, losses)``: w (d,), b float, losses (epochs,) with ``losses[e]`` the MSE on
    the whole data set after epoch e.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = np.empty(epochs)
    for e in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            dw, db = linear_regression_grad(w, b, Xb, yb)
            w = w - lr * dw
            b = b - lr * db
        losses[e] = mse_loss(X @ w + b, y)
    return w, float(b), losses


def train_one_epoch(model, loader, loss_fn, optimizer):
    """One epoch of the torch training loop; returns the mean of the batch losses (a float).

    For each ``(xb, yb)`` of ``loader``: ``loss = loss_fn(model(xb), yb)``, then
    ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. The mean is over
    batches (each batch's loss counts once, whatever its size), as a Python float.
    """
    model.train()
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
        count += 1
    return total / count


def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    """Mean squared distance between a minibatch gradient and the full-data gradient.

    w: (d,), b: float, X: (n, d), y: (n,); batch_size: int with ``1 <= batch_size <= n``;
    n_draws: int >= 1; rng: a ``np.random.Generator``. With ``g`` the full-data gradient of
    :func:`linear_regression_grad` (``dw`` and ``db`` stacked into one vector of d + 1 entries) and
    ``g_B`` the same on the rows ``rng.choice(n, size=batch_size, replace=False)`` (one such call per
    draw, on the same ``rng``, in order), returns the float ``mean over draws of ||g_B - g||**2``.

    Its expectation is ``(n - B) / (n - 1) * tr(Sigma) / B``, ``Sigma`` the covariance of the
    per-sample gradients: the ``1 / B`` law with the finite-population factor, 0 at ``B = n``.
    Raises ``ValueError`` unless ``1 <= batch_size <= n`` and ``n_draws >= 1``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(X)
    if not 1 <= batch_size <= n:
        raise ValueError(f"gradient_noise needs 1 <= batch_size <= len(X) = {n} (a batch is drawn without "
                         f"replacement), got batch_size={batch_size!r}")
    if n_draws < 1:
        raise ValueError(f"gradient_noise averages over n_draws >= 1 draws, got n_draws={n_draws!r}")
    dw, db = linear_regression_grad(w, b, X, y)
    g = np.append(dw, db)
    total = 0.0
    for _ in range(n_draws):
        idx = rng.choice(n, size=batch_size, replace=False)
        dw_b, db_b = linear_regression_grad(w, b, X[idx], y[idx])
        total += float(np.sum((np.append(dw_b, db_b) - g) ** 2))
    return total / n_draws
