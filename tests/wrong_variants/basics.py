"""Wrong functions of lessons 01-03, one slip each, written as a student would (issue 30).

Some slips are in the catalogues (written here in a student's own way, not copied), many are not:
a factor slip in one term, a division forgotten, a sign in one place, a neighbouring formula, and
"cascades", where the graded function is right but calls a helper of the student's own that is
wrong (the grader runs the function with the student's helpers, so its results are wrong too).
Which catalogued mistake, if any, each one is: :mod:`tests.wrong_variants.slips`.
"""
import math

import numpy as np

VARIANTS = []


def variant(exercise):
    def add(fn):
        VARIANTS.append((exercise, fn))
        return fn
    return add


# --- rosenbrock ----------------------------------------------------------------------------------

@variant("rosenbrock")
def rb_a_and_b_swapped(x, a=1.0, b=1.0):
    x0, x1 = x
    return float((b - x0) ** 2 + a * (x1 - x0 ** 2) ** 2)


@variant("rosenbrock")
def rb_valley_subtracted(x, a=1.0, b=1.0):
    x0, x1 = x
    return float((a - x0) ** 2 - b * (x1 - x0 ** 2) ** 2)


@variant("rosenbrock")
def rb_times_two_not_squared(x, a=1.0, b=1.0):
    x0, x1 = x
    return float((a - x0) ** 2 + b * (x1 - x0 * 2) ** 2)        # x0 * 2 typed for x0 ** 2


# --- rosenbrock_grad -----------------------------------------------------------------------------

@variant("rosenbrock_grad")
def rbg_chain_factor_two(x, a=1.0, b=1.0):
    """The issue's first example: the chain-rule term gets 2 instead of 4."""
    x0, x1 = float(x[0]), float(x[1])
    return np.array([-2 * (a - x0) - 2 * b * x0 * (x1 - x0 ** 2), 2 * b * (x1 - x0 ** 2)])


@variant("rosenbrock_grad")
def rbg_first_term_sign(x, a=1.0, b=1.0):
    x0, x1 = float(x[0]), float(x[1])
    valley = x1 - x0 * x0
    return np.array([2 * (a - x0) - 4 * b * x0 * valley, 2 * b * valley])


@variant("rosenbrock_grad")
def rbg_second_sign(x, a=1.0, b=1.0):
    x0, x1 = float(x[0]), float(x[1])
    return np.array([-2 * (a - x0) - 4 * b * x0 * (x1 - x0 ** 2), -2 * b * (x1 - x0 ** 2)])


@variant("rosenbrock_grad")
def rbg_components_swapped(x, a=1.0, b=1.0):
    x0, x1 = float(x[0]), float(x[1])
    return np.array([2 * b * (x1 - x0 ** 2), -2 * (a - x0) - 4 * b * x0 * (x1 - x0 ** 2)])


@variant("rosenbrock_grad")
def rbg_b_dropped(x, a=1.0, b=1.0):
    x0, x1 = float(x[0]), float(x[1])
    return np.array([-2 * (a - x0) - 4 * x0 * (x1 - x0 ** 2), 2 * (x1 - x0 ** 2)])


# --- forward_difference / central_difference ----------------------------------------------------

def _nudge(x, i, h):
    e = np.zeros_like(x)
    e.flat[i] = h
    return x + e


@variant("forward_difference")
def fd_not_divided(f, x, eps=1e-6):
    """The issue's second example: the difference is not divided by eps."""
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([f(_nudge(x, i, eps)) - fx for i in range(x.size)]).reshape(x.shape)


@variant("forward_difference")
def fd_backward(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([(fx - f(_nudge(x, i, -eps))) / eps for i in range(x.size)]).reshape(x.shape)


@variant("forward_difference")
def fd_central(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    return np.array([(f(_nudge(x, i, eps)) - f(_nudge(x, i, -eps))) / (2 * eps)
                     for i in range(x.size)]).reshape(x.shape)


@variant("forward_difference")
def fd_own_h(f, x, eps=1e-6):
    h = 1e-6                                                       # eps never used
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([(f(_nudge(x, i, h)) - fx) / h for i in range(x.size)]).reshape(x.shape)


@variant("forward_difference")
def fd_swapped(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([(fx - f(_nudge(x, i, eps))) / eps for i in range(x.size)]).reshape(x.shape)


@variant("central_difference")
def cd_divided_by_eps(f, x, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return np.array([(f(_nudge(x, i, eps)) - f(_nudge(x, i, -eps))) / eps for i in range(x.size)]).reshape(x.shape)


@variant("central_difference")
def cd_divided_by_two(f, x, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return np.array([(f(_nudge(x, i, eps)) - f(_nudge(x, i, -eps))) / 2 for i in range(x.size)]).reshape(x.shape)


@variant("central_difference")
def cd_reversed(f, x, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return np.array([(f(_nudge(x, i, -eps)) - f(_nudge(x, i, eps))) / (2 * eps)
                     for i in range(x.size)]).reshape(x.shape)


@variant("central_difference")
def cd_forward(f, x, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([(f(_nudge(x, i, eps)) - fx) / eps for i in range(x.size)]).reshape(x.shape)


# --- gradient_check ------------------------------------------------------------------------------

def _central(f, x, eps):
    x = np.asarray(x, dtype=np.float64)
    return np.array([(f(_nudge(x, i, eps)) - f(_nudge(x, i, -eps))) / (2 * eps)
                     for i in range(x.size)]).reshape(x.shape)


@variant("gradient_check")
def gc_absolute_error(f, grad_f, x, eps=1e-5):
    g_a = np.asarray(grad_f(x), dtype=np.float64)
    return float(np.linalg.norm(g_a - _central(f, x, eps)))


@variant("gradient_check")
def gc_squared_norms(f, grad_f, x, eps=1e-5):
    g_a = np.asarray(grad_f(x), dtype=np.float64)
    g_n = _central(f, x, eps)
    return float(np.sum((g_a - g_n) ** 2) / max(np.sum(g_a ** 2) + np.sum(g_n ** 2), 1e-12))


@variant("gradient_check")
def gc_max_of_norms(f, grad_f, x, eps=1e-5):
    g_a = np.asarray(grad_f(x), dtype=np.float64)
    g_n = _central(f, x, eps)
    return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a), np.linalg.norm(g_n), 1e-12))


# --- torch_grad ----------------------------------------------------------------------------------

@variant("torch_grad")
def tg_from_list(f, x):
    import torch
    xt = torch.tensor(np.asarray(x).tolist(), requires_grad=True)   # Python floats: float32
    f(xt).backward()
    return xt.grad.numpy()


@variant("torch_grad")
def tg_negated(f, x):
    import torch
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    (-f(xt)).backward()                                              # "descent direction"
    return xt.grad.numpy().copy()


# --- gradient_descent ----------------------------------------------------------------------------

@variant("gradient_descent")
def gd_without_start(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    rows = []
    for t in range(n_steps):
        x = x - (lr(t) if callable(lr) else lr) * np.asarray(grad_f(x))
        rows.append(x)
    return np.array(rows).reshape(n_steps, -1) if n_steps else np.zeros((0,) + x.shape)


@variant("gradient_descent")
def gd_uphill(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    rows = [x]
    for t in range(n_steps):
        x = x + (lr(t) if callable(lr) else lr) * np.asarray(grad_f(x))
        rows.append(x)
    return np.array(rows)


@variant("gradient_descent")
def gd_schedule_from_one(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    rows = [x]
    for t in range(1, n_steps + 1):
        x = x - (lr(t) if callable(lr) else lr) * np.asarray(grad_f(x))
        rows.append(x)
    return np.array(rows)


@variant("gradient_descent")
def gd_first_rate_only(grad_f, x0, lr, n_steps):
    rate = lr(0) if callable(lr) else lr                            # the schedule read once
    x = np.array(x0, dtype=np.float64)
    rows = [x]
    for _ in range(n_steps):
        x = x - rate * np.asarray(grad_f(x))
        rows.append(x)
    return np.array(rows)


@variant("gradient_descent")
def gd_one_step_short(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    rows = [x]
    for t in range(max(n_steps - 1, 0)):
        x = x - (lr(t) if callable(lr) else lr) * np.asarray(grad_f(x))
        rows.append(x)
    return np.array(rows)


# --- schedules -----------------------------------------------------------------------------------

@variant("time_based_decay")
def tbd_no_parentheses(lr0, decay, t):
    return float(lr0 / 1 + decay * t)


@variant("time_based_decay")
def tbd_exponential(lr0, decay, t):
    return float(lr0 * math.exp(-decay * t))


@variant("time_based_decay")
def tbd_squared(lr0, decay, t):
    return float(lr0 / (1 + decay * t) ** 2)


@variant("step_decay")
def sd_smooth(lr0, drop, every, t):
    return float(lr0 * drop ** (t / every))


@variant("step_decay")
def sd_ceil(lr0, drop, every, t):
    return float(lr0 * drop ** math.ceil(t / every))


@variant("exponential_decay")
def ed_power(lr0, k, t):
    return float(lr0 * math.pow(k, t))


@variant("exponential_decay")
def ed_base_two(lr0, k, t):
    return float(lr0 * 2.0 ** (-k * t))


@variant("max_stable_lr")
def msl_one_over_lambda(H):
    return float(1.0 / np.max(np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))))


@variant("max_stable_lr")
def msl_trace(H):
    return float(2.0 / np.trace(np.asarray(H, dtype=np.float64)))


def _wc_checked(warmup, total, t):
    if not 0 <= warmup < total:
        raise ValueError("need 0 <= warmup < total")
    if t < 0:
        raise ValueError("t must be >= 0")


@variant("warmup_cosine")
def wc_ramp_from_min_lr(lr0, warmup, total, t, min_lr=0.0):
    _wc_checked(warmup, total, t)
    if t < warmup:
        return float(min_lr + (lr0 - min_lr) * t / warmup)
    if t > total:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr0 - min_lr) * (1 + math.cos(math.pi * (t - warmup) / (total - warmup))))


@variant("warmup_cosine")
def wc_full_period(lr0, warmup, total, t, min_lr=0.0):
    _wc_checked(warmup, total, t)
    if t < warmup:
        return float(lr0 * t / warmup)
    if t > total:
        return float(min_lr)
    return float(min_lr + 0.5 * (lr0 - min_lr) * (1 + math.cos(2 * math.pi * (t - warmup) / (total - warmup))))


@variant("warmup_cosine")
def wc_no_floor(lr0, warmup, total, t, min_lr=0.0):
    _wc_checked(warmup, total, t)
    if t < warmup:
        return float(lr0 * t / warmup)
    return float(min_lr + 0.5 * (lr0 - min_lr) * (1 + math.cos(math.pi * (t - warmup) / (total - warmup))))


# --- classify_critical_point ---------------------------------------------------------------------

def _hessian(H):
    H = np.asarray(H, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.allclose(H, H.T):
        raise ValueError("H must be a symmetric square matrix")
    return H


@variant("classify_critical_point")
def ccp_det_and_trace(H, tol=1e-8):
    H = _hessian(H)
    det = np.linalg.det(H)
    if abs(det) <= tol:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if np.trace(H) > 0 else "maximum"


@variant("classify_critical_point")
def ccp_saddle_otherwise(H, tol=1e-8):
    lam = np.linalg.eigvalsh(_hessian(H))
    if (lam > tol).all():
        return "minimum"
    if (lam < -tol).all():
        return "maximum"
    return "saddle"                                                 # degenerate forgotten


# --- minibatches ---------------------------------------------------------------------------------

@variant("minibatches")
def mb_full_batches_only(X, y, batch_size, rng=None):
    idx = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    n_full = len(X) // batch_size
    return [(X[idx[k * batch_size:(k + 1) * batch_size]], y[idx[k * batch_size:(k + 1) * batch_size]])
            for k in range(n_full)]


@variant("minibatches")
def mb_labels_not_shuffled(X, y, batch_size, rng=None):
    Xs = X[rng.permutation(len(X))] if rng is not None else X
    return [(Xs[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


@variant("minibatches")
def mb_overlapping(X, y, batch_size, rng=None):
    idx = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[idx[i:i + batch_size + 1]], y[idx[i:i + batch_size + 1]]) for i in range(0, len(X), batch_size)]


@variant("minibatches")
def mb_choice_with_replacement(X, y, batch_size, rng=None):
    idx = rng.choice(len(X), size=len(X)) if rng is not None else np.arange(len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


# --- mse_loss ------------------------------------------------------------------------------------

@variant("mse_loss")
def mse_summed(y_pred, y):
    return float(np.sum((np.asarray(y_pred, dtype=np.float64) - y) ** 2))


@variant("mse_loss")
def mse_halved(y_pred, y):
    return float(np.mean((np.asarray(y_pred, dtype=np.float64) - y) ** 2) / 2)


@variant("mse_loss")
def mse_square_of_mean_abs(y_pred, y):
    return float(np.mean(np.abs(np.asarray(y_pred, dtype=np.float64) - y)) ** 2)


@variant("mse_loss")
def mse_n_minus_one(y_pred, y):
    d = np.asarray(y_pred, dtype=np.float64) - y
    return float(np.sum(d ** 2) / max(d.size - 1, 1))


# --- linear_regression_grad ----------------------------------------------------------------------

@variant("linear_regression_grad")
def lrg_residual_reversed(w, b, X, y):
    r = y - (X @ w + b)
    n = len(y)
    return 2 / n * X.T @ r, float(2 / n * r.sum())


@variant("linear_regression_grad")
def lrg_no_two(w, b, X, y):
    r = X @ w + b - y
    return X.T @ r / len(y), float(r.mean())


@variant("linear_regression_grad")
def lrg_db_no_two(w, b, X, y):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), float(r.mean())


@variant("linear_regression_grad")
def lrg_divided_by_features(w, b, X, y):
    r = X @ w + b - y
    return 2 * X.T @ r / X.size, float(2 * r.sum() / X.size)


# --- sgd_linear_regression -----------------------------------------------------------------------

def _my_minibatches_with_replacement(X, y, batch_size, rng):
    """The student's own (wrong) minibatches: drawn with replacement."""
    idx = rng.integers(0, len(X), size=len(X)) if rng is not None else np.arange(len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def _sgd(X, y, lr, batch_size, epochs, rng, batches, update_b=True, loss_first=False):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        if loss_first:
            losses.append(float(np.mean((X @ w + b - y) ** 2)))
        for Xb, yb in batches(X, y, batch_size, rng):
            r = Xb @ w + b - yb
            w = w - lr * 2 / len(yb) * Xb.T @ r
            if update_b:
                b = b - lr * 2 / len(yb) * r.sum()
        if not loss_first:
            losses.append(float(np.mean((X @ w + b - y) ** 2)))
    return w, float(b), np.array(losses)


def _right_minibatches(X, y, batch_size, rng):
    idx = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]) for i in range(0, len(X), batch_size)]


def _unshuffled(X, y, batch_size, rng):
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


@variant("sgd_linear_regression")
def slr_cascade_with_replacement(X, y, lr, batch_size, epochs, rng):
    """A right loop on the student's own minibatches, which draw with replacement (a cascade)."""
    return _sgd(X, y, lr, batch_size, epochs, rng, _my_minibatches_with_replacement)


@variant("sgd_linear_regression")
def slr_b_fixed(X, y, lr, batch_size, epochs, rng):
    return _sgd(X, y, lr, batch_size, epochs, rng, _right_minibatches, update_b=False)


@variant("sgd_linear_regression")
def slr_loss_at_epoch_start(X, y, lr, batch_size, epochs, rng):
    return _sgd(X, y, lr, batch_size, epochs, rng, _right_minibatches, loss_first=True)


@variant("sgd_linear_regression")
def slr_never_shuffled(X, y, lr, batch_size, epochs, rng):
    return _sgd(X, y, lr, batch_size, epochs, rng, _unshuffled)


# --- gradient_noise ------------------------------------------------------------------------------

def _checked(X, y, batch_size, n_draws):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if not 1 <= batch_size <= len(X) or n_draws < 1:
        raise ValueError("need 1 <= batch_size <= len(X) and n_draws >= 1")
    return X, y


def _my_grad_without_two(w, b, X, y):
    """The student's own linear_regression_grad, missing the factor 2."""
    r = X @ w + b - y
    return X.T @ r / len(y), float(r.mean())


def _my_grad_summed(w, b, X, y):
    """The student's own linear_regression_grad, summed over the samples (not averaged)."""
    r = X @ w + b - y
    return 2 * X.T @ r, float(2 * r.sum())


def _right_grad(w, b, X, y):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), float(2 * r.mean())


def _noise(w, b, X, y, batch_size, n_draws, rng, grad, draw=None, power=2):
    X, y = _checked(X, y, batch_size, n_draws)
    g = np.append(*grad(w, b, X, y))
    values = []
    for _ in range(n_draws):
        idx = draw(rng, len(X), batch_size) if draw else rng.choice(len(X), size=batch_size, replace=False)
        gb = np.append(*grad(w, b, X[idx], y[idx]))
        values.append(np.linalg.norm(gb - g) ** power)
    return float(np.mean(values))


@variant("gradient_noise")
def gn_cascade_grad_without_two(w, b, X, y, batch_size, n_draws, rng):
    """A right gradient_noise on the student's own linear_regression_grad, missing its 2 (a cascade)."""
    return _noise(w, b, X, y, batch_size, n_draws, rng, _my_grad_without_two)


@variant("gradient_noise")
def gn_cascade_grad_summed(w, b, X, y, batch_size, n_draws, rng):
    """A right gradient_noise on the student's own summed linear_regression_grad (a cascade)."""
    return _noise(w, b, X, y, batch_size, n_draws, rng, _my_grad_summed)


@variant("gradient_noise")
def gn_with_replacement(w, b, X, y, batch_size, n_draws, rng):
    return _noise(w, b, X, y, batch_size, n_draws, rng, _right_grad,
                  draw=lambda r, n, k: r.choice(n, size=k))


@variant("gradient_noise")
def gn_norm(w, b, X, y, batch_size, n_draws, rng):
    return _noise(w, b, X, y, batch_size, n_draws, rng, _right_grad, power=1)


@variant("gradient_noise")
def gn_divided_by_batch(w, b, X, y, batch_size, n_draws, rng):
    return _noise(w, b, X, y, batch_size, n_draws, rng, _right_grad) / batch_size


# --- train_one_epoch -----------------------------------------------------------------------------

@variant("train_one_epoch")
def toe_last_loss(model, loader, loss_fn, optimizer):
    model.train()
    last = None
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        last = float(loss)
    return last


@variant("train_one_epoch")
def toe_two_steps_per_batch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        optimizer.step()                                            # pasted twice
        losses.append(loss.item())
    return sum(losses) / len(losses)
