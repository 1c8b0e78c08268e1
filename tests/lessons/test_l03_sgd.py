"""Lesson 03: minibatches, MSE and its gradient equal torch in float64; SGD on linear regression equals
a torch loop with the same batch order; train_one_epoch equals a manual loop from the same weights;
correct variants earn full marks."""
import re
import statistics

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from coursegrader.grading import evaluate
from coursegrader.reference.sgd import (
    gradient_noise,
    linear_regression_grad,
    minibatches,
    mse_loss,
    sgd_linear_regression,
    train_one_epoch,
)
from coursekit.check.tasks.l03_sgd import PlainSGD
from coursekit.datasets import blobs, linear_regression


def test_minibatches_cover_every_sample_once_in_the_permuted_order():
    X = np.arange(23.0)[:, None] * [1.0, -1.0]
    y = np.arange(23.0)
    batches = minibatches(X, y, 5, np.random.default_rng(42))
    assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
    order = np.concatenate([yb for _, yb in batches]).astype(int)
    np.testing.assert_array_equal(order, np.random.default_rng(42).permutation(23))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)  # samples keep their labels
    plain = minibatches(X, y, 10)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in plain]), y)
    np.testing.assert_array_equal(y, np.arange(23.0))  # input untouched


@pytest.mark.parametrize("shape", [(7,), (4, 3), (5, 1)])
def test_mse_equals_torch(shape):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    expected = nn.MSELoss()(torch.tensor(a), torch.tensor(b)).item()
    assert mse_loss(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_linear_regression_grad_equals_autograd():
    for seed in range(4):
        X, y, _, _ = linear_regression(n=17 + seed, d=3, seed=seed)
        rng = np.random.default_rng(seed)
        w, b = rng.normal(size=3), float(rng.normal())
        wt = torch.tensor(w, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        nn.MSELoss()(torch.tensor(X) @ wt + bt, torch.tensor(y)).backward()
        dw, db = linear_regression_grad(w, b, X, y)
        np.testing.assert_allclose(dw, wt.grad.numpy(), atol=1e-10, rtol=1e-8)
        assert db == pytest.approx(bt.grad.item(), rel=1e-8, abs=1e-10)
        assert isinstance(db, float)


def torch_sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    """nn.Linear from zeros, nn.MSELoss, torch.optim.SGD, batches in minibatches' order."""
    model = nn.Linear(X.shape[1], 1).double()
    with torch.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            loss = loss_fn(model(torch.tensor(X[idx])).squeeze(1), torch.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            losses.append(loss_fn(model(torch.tensor(X)).squeeze(1), torch.tensor(y)).item())
    return model.weight.detach().numpy()[0], model.bias.item(), np.array(losses)


@pytest.mark.parametrize("batch_size,seed", [(1, 0), (7, 1), (50, 2), (64, None)])
def test_sgd_linear_regression_equals_torch(batch_size, seed):
    X, y, w_true, b_true = linear_regression(n=50, d=3, seed=5)
    rng = lambda: None if seed is None else np.random.default_rng(seed)  # noqa: E731
    w, b, losses = sgd_linear_regression(X, y, 0.03, batch_size, 8, rng())
    tw, tb, tlosses = torch_sgd_linear_regression(X, y, 0.03, batch_size, 8, rng())
    np.testing.assert_allclose(w, tw, atol=1e-10, rtol=1e-8)
    assert b == pytest.approx(tb, rel=1e-8, abs=1e-10)
    np.testing.assert_allclose(losses, tlosses, atol=1e-10, rtol=1e-8)
    assert losses.shape == (8,) and losses[-1] < losses[0]


def test_sgd_with_batch_1_learns_the_true_weights():
    X, y, w_true, b_true = linear_regression(n=200, d=3, noise=0.01, seed=0)
    w, b, losses = sgd_linear_regression(X, y, 0.01, 1, 20, np.random.default_rng(0))
    np.testing.assert_allclose(w, w_true, atol=0.01)
    assert abs(b - b_true) < 0.01 and losses[-1] < 2e-4


def _setup(seed, batch_size=8, momentum=0.0):
    torch.manual_seed(seed)
    X, y = blobs(n=44, centers=3, seed=seed)
    model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 3)).double()
    loader = DataLoader(TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    return model, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1, momentum=momentum)


def test_train_one_epoch_equals_a_manual_loop_from_the_same_weights_and_order():
    model, loader, loss_fn, opt = _setup(3)
    twin, _, _, _ = _setup(3)
    batches = list(DataLoader(loader.dataset, batch_size=8, shuffle=True,
                              generator=torch.Generator().manual_seed(3)))
    mean = train_one_epoch(model, loader, loss_fn, opt)
    losses = []
    for xb, yb in batches:  # the same batch order: the same generator state
        loss = nn.functional.cross_entropy(twin(xb), yb)
        grads = torch.autograd.grad(loss, list(twin.parameters()))
        with torch.no_grad():
            for p, g in zip(twin.parameters(), grads):
                p -= 0.1 * g
        losses.append(loss.item())
    assert isinstance(mean, float)
    assert mean == pytest.approx(np.mean(losses), rel=1e-12)
    for p, q in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(p, q, atol=1e-10, rtol=1e-8)


# --- correct variants -----------------------------------------------------------------------

def mb_while(X, y, batch_size, rng=None):
    idx = np.arange(len(X)) if rng is None else rng.permutation(len(X))
    out, start = [], 0
    while start < len(idx):
        stop = min(start + batch_size, len(idx))
        out.append((X[idx[start:stop]], y[idx[start:stop]]))
        start = stop
    return out


def mb_permuted_copies(X, y, batch_size, rng=None):
    if rng is not None:
        p = rng.permutation(len(X))
        X, y = X[p], y[p]
    n_batches = -(-len(X) // batch_size)
    return [(X[k * batch_size:(k + 1) * batch_size], y[k * batch_size:(k + 1) * batch_size]) for k in range(n_batches)]


def mse_loop(y_pred, y):
    a, b = np.ravel(y_pred), np.ravel(y)
    return sum((p - t) ** 2 for p, t in zip(a, b)) / a.size


def lrg_loop(w, b, X, y):
    dw, db = np.zeros_like(w), 0.0
    for xi, yi in zip(X, y):
        r = xi @ w + b - yi
        dw += 2 * r * xi / len(y)
        db += 2 * r / len(y)
    return dw, db


def slr_inplace(X, y, lr, batch_size, epochs, rng):
    w, b, losses = np.zeros(X.shape[1]), np.zeros(1), []
    for _ in range(epochs):
        for Xb, yb in mb_while(X, y, batch_size, rng):
            r = Xb @ w + b[0] - yb
            w -= lr * 2 * Xb.T @ r / len(yb)
            b -= lr * 2 * r.mean()
        losses.append(mse_loop(X @ w + b[0], y))
    return w, float(b[0]), np.array(losses)


def toe_statistics(model, loader, loss_fn, optimizer):
    batch_losses = []
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        batch_losses.append(float(loss.detach()))
    return statistics.fmean(batch_losses)


@pytest.mark.parametrize("name,fn", [
    ("minibatches", mb_while), ("minibatches", mb_permuted_copies), ("mse_loss", mse_loop),
    ("linear_regression_grad", lrg_loop), ("sgd_linear_regression", slr_inplace),
    ("train_one_epoch", toe_statistics),
])
def test_correct_variants_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_delegating_to_torch_earns_nothing():
    def mse_torch(y_pred, y):
        return float(nn.functional.mse_loss(torch.tensor(y_pred), torch.tensor(y)))

    ev = evaluate("mse_loss", mse_torch)
    assert ev.score == 0 and ev.delegated


def test_the_graders_plain_sgd_is_torch_sgd():
    for momentum in (0.0, 0.9):
        model, loader, loss_fn, opt = _setup(4, momentum=momentum)
        twin, twin_loader, _, _ = _setup(4)
        plain = PlainSGD(twin.parameters(), lr=0.1, momentum=momentum)
        for _ in range(2):
            a = train_one_epoch(model, loader, loss_fn, opt)
            b = train_one_epoch(twin, twin_loader, loss_fn, plain)
            assert a == pytest.approx(b, rel=1e-12)
        for p, q in zip(model.parameters(), twin.parameters()):
            torch.testing.assert_close(p, q, atol=1e-12, rtol=1e-10)


# --- gradient_noise ------------------------------------------------------------------

def _noise_problem(n=30, d=3, seed=0):
    X, y, w_true, b_true = linear_regression(n=n, d=d, noise=0.5, seed=seed)
    return np.random.default_rng(seed + 1).normal(size=d), 0.4, X, y


def _torch_full_grad(w, b, X, y):
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    nn.MSELoss()(torch.tensor(X) @ wt + bt, torch.tensor(y)).backward()
    return np.append(wt.grad.numpy(), bt.grad.item())


def test_gradient_noise_equals_torch_autograd_on_the_same_draws():
    w, b, X, y = _noise_problem()
    g = _torch_full_grad(w, b, X, y)
    rng = np.random.default_rng(5)
    expected = np.mean([np.sum((_torch_full_grad(w, b, X[idx], y[idx]) - g) ** 2)
                        for idx in (rng.choice(len(X), size=7, replace=False) for _ in range(25))])
    assert gradient_noise(w, b, X, y, 7, 25, np.random.default_rng(5)) == pytest.approx(expected, rel=1e-10)


def test_gradient_noise_is_zero_for_the_full_batch_and_leaves_inputs_alone():
    w, b, X, y = _noise_problem()
    copies = [a.copy() for a in (w, X, y)]
    assert gradient_noise(w, b, X, y, len(X), 10, np.random.default_rng(0)) < 1e-25
    assert isinstance(gradient_noise(w, b, X, y, 3, 2, np.random.default_rng(0)), float)
    for before, after in zip(copies, (w, X, y)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("batch_size", [1, 4, 15, 29])
def test_gradient_noise_follows_the_finite_population_law(batch_size):
    """E||g_B - g||^2 = (N - B) / (N - 1) * tr(Sigma) / B for batches drawn without replacement,
    Sigma the covariance of the per-sample gradients: the Monte-Carlo mean is within 4 standard
    errors of it, and draw k of one call is the k-th one-draw call on the same generator."""
    w, b, X, y = _noise_problem()
    n = len(X)
    per_sample = 2.0 * (X @ w + b - y)[:, None] * np.column_stack([X, np.ones(n)])
    trace = np.sum((per_sample - per_sample.mean(axis=0)) ** 2) / n
    expected = (n - batch_size) / (n - 1) * trace / batch_size
    k = 4000
    rng = np.random.default_rng(11)
    draws = np.array([gradient_noise(w, b, X, y, batch_size, 1, rng) for _ in range(k)])
    assert gradient_noise(w, b, X, y, batch_size, k, np.random.default_rng(11)) == pytest.approx(draws.mean(), rel=1e-10)
    stderr = draws.std(ddof=1) / np.sqrt(k)
    assert stderr < 0.05 * expected  # the check below is tight enough to mean something
    assert abs(draws.mean() - expected) < 4 * stderr


@pytest.mark.parametrize("batch_size, n_draws, words", [
    (0, 5, "batch_size=0"), (31, 5, "batch_size=31"), (-2, 5, "batch_size=-2"), (3, 0, "n_draws=0"),
])
def test_gradient_noise_rejects_bad_input_clearly(batch_size, n_draws, words):
    w, b, X, y = _noise_problem()
    with pytest.raises(ValueError, match=re.escape(words)):
        gradient_noise(w, b, X, y, batch_size, n_draws, np.random.default_rng(0))


def gn_loop(w, b, X, y, batch_size, n_draws, rng):
    if not (1 <= batch_size <= len(X)) or n_draws < 1:
        raise ValueError(f"batch_size={batch_size} must be in [1, {len(X)}] and n_draws={n_draws} >= 1")
    full = np.append(*lrg_loop(w, b, X, y))
    total = 0.0
    for _ in range(n_draws):
        rows = rng.choice(len(X), size=batch_size, replace=False)
        part = np.append(*lrg_loop(w, b, X[rows], y[rows]))
        total = total + (part - full) @ (part - full)
    return total / n_draws


def test_gradient_noise_written_with_loops_gets_full_marks():
    ev = evaluate("gradient_noise", gn_loop)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]


def test_every_claim_of_the_lesson_is_a_whole_sentence_of_its_text():
    """A claim backs a sentence a reader reads, word for word: not a fragment of one."""
    from claimaudit import not_full_sentences, read

    from tools.editions import NOTEBOOKS

    assert not_full_sentences(read(NOTEBOOKS / "03_sgd.ipynb")) == []
