"""Lesson 05: the adaptive optimizers equal torch.optim in float64, Yogi equals its definition,
and correct solutions written differently get full marks."""
from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate
from coursegrader.reference.optim.adadelta import adadelta_step
from coursegrader.reference.optim.adagrad import adagrad_step
from coursegrader.reference.optim.adam import adam_step, adamw_step
from coursegrader.reference.optim.rmsprop import rmsprop_step
from coursegrader.reference.optim.yogi import yogi_step

N_STEPS = 60

PARITY = [
    (torch.optim.Adagrad, adagrad_step, {}),
    (torch.optim.Adagrad, adagrad_step, {"lr": 0.1, "lr_decay": 0.05}),
    (torch.optim.Adagrad, adagrad_step, {"initial_accumulator_value": 0.3, "eps": 1e-4}),
    (torch.optim.Adagrad, adagrad_step, {"weight_decay": 0.2}),
    (torch.optim.Adagrad, adagrad_step, {"lr": 0.3, "lr_decay": 0.01, "weight_decay": 0.1,
                                         "initial_accumulator_value": 1.0, "eps": 1e-6}),
    (torch.optim.RMSprop, rmsprop_step, {}),
    (torch.optim.RMSprop, rmsprop_step, {"momentum": 0.9}),
    (torch.optim.RMSprop, rmsprop_step, {"centered": True}),
    (torch.optim.RMSprop, rmsprop_step, {"weight_decay": 0.1, "alpha": 0.9, "eps": 1e-4}),
    (torch.optim.RMSprop, rmsprop_step, {"lr": 0.05, "alpha": 0.95, "eps": 1e-6, "weight_decay": 0.05,
                                         "momentum": 0.5, "centered": True}),
    (torch.optim.Adadelta, adadelta_step, {}),
    (torch.optim.Adadelta, adadelta_step, {"lr": 0.5, "rho": 0.8}),
    (torch.optim.Adadelta, adadelta_step, {"eps": 1e-3, "weight_decay": 0.2}),
    (torch.optim.Adam, adam_step, {}),
    (torch.optim.Adam, adam_step, {"amsgrad": True}),
    (torch.optim.Adam, adam_step, {"weight_decay": 0.1, "lr": 0.05}),
    (torch.optim.Adam, adam_step, {"lr": 0.1, "betas": (0.8, 0.95), "eps": 1e-4, "weight_decay": 0.1,
                                   "amsgrad": True}),
    (torch.optim.AdamW, adamw_step, {}),
    (torch.optim.AdamW, adamw_step, {"amsgrad": True}),
    (torch.optim.AdamW, adamw_step, {"weight_decay": 0.5, "lr": 0.05}),
    (torch.optim.AdamW, adamw_step, {"lr": 0.1, "betas": (0.8, 0.95), "eps": 1e-4, "weight_decay": 0.3,
                                     "amsgrad": True}),
]


def _gradients(seed, n=N_STEPS, shape=(3, 4)):
    rng = np.random.default_rng(seed)
    scale = np.geomspace(3.0, 0.05, n).reshape(-1, 1, 1)  # shrinking: amsgrad's max matters
    return rng.normal(size=shape), scale * rng.normal(size=(n, *shape))


@pytest.mark.parametrize("cls, step, hyper", PARITY, ids=lambda v: getattr(v, "__name__", str(v)))
def test_matches_torch_every_step(cls, step, hyper):
    p0, grads = _gradients(zlib.crc32(repr(sorted(hyper.items())).encode()) % 1000)
    pt = torch.tensor(p0.copy(), requires_grad=True)
    opt = cls([pt], **hyper)
    params, state = p0.copy(), {}
    for t, g in enumerate(grads, 1):
        pt.grad = torch.tensor(g)
        opt.step()
        g_before = g.copy()
        params, state = step(params, g, state, **hyper)
        np.testing.assert_array_equal(g, g_before)  # inputs untouched
        np.testing.assert_allclose(params, pt.detach().numpy(), atol=1e-10, rtol=1e-8, err_msg=f"step {t}")
    torch_state = opt.state[pt]
    assert set(state) == set(torch_state), "state keys are torch's"
    assert state["step"] == int(torch_state["step"]) == N_STEPS
    for key in set(state) - {"step"}:
        np.testing.assert_allclose(state[key], torch_state[key].numpy(), atol=1e-10, rtol=1e-8, err_msg=key)


@pytest.mark.parametrize("cls, step", [(torch.optim.Adagrad, adagrad_step), (torch.optim.RMSprop, rmsprop_step),
                                       (torch.optim.Adadelta, adadelta_step), (torch.optim.Adam, adam_step),
                                       (torch.optim.AdamW, adamw_step)])
def test_defaults_are_torchs(cls, step):
    import inspect
    ours = {k: v.default for k, v in inspect.signature(step).parameters.items() if v.kind is v.KEYWORD_ONLY}
    theirs = inspect.signature(cls.__init__).parameters
    for name, default in ours.items():
        assert name in theirs, name
        assert theirs[name].default == default, name


def _yogi_by_definition(p0, grads, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    """The spec's formulas, element by element in plain Python floats."""
    b1, b2 = betas
    p = [float(v) for v in p0.ravel()]
    m = [0.0] * len(p)
    v = [initial_accumulator] * len(p)
    out = []
    for t, g in enumerate(grads, 1):
        for i, gi in enumerate(np.ravel(g)):
            m[i] = b1 * m[i] + (1 - b1) * gi
            diff = v[i] - gi * gi
            v[i] = v[i] - (1 - b2) * (1.0 if diff > 0 else -1.0 if diff < 0 else 0.0) * gi * gi
            denom = math.sqrt(v[i]) / math.sqrt(1 - b2 ** t) + eps
            p[i] = p[i] - lr / (1 - b1 ** t) * m[i] / denom
        out.append(np.array(p).reshape(p0.shape))
    return np.stack(out)


@pytest.mark.parametrize("hyper", [{}, {"lr": 0.1, "betas": (0.8, 0.9)}, {"eps": 1e-6, "initial_accumulator": 0.5}])
def test_yogi_is_the_spec(hyper):
    p0, grads = _gradients(3, n=50, shape=(2, 3))
    params, state = p0, {}
    traj = []
    for g in grads:
        params, state = yogi_step(params, g, state, **hyper)
        traj.append(params)
    np.testing.assert_allclose(np.stack(traj), _yogi_by_definition(p0, grads, **hyper), atol=1e-12, rtol=1e-10)
    assert set(state) == {"step", "exp_avg", "exp_avg_sq"} and state["step"] == 50


def test_yogi_first_state():
    _, state = yogi_step(np.zeros(2), np.array([0.0, 1.0]), {}, initial_accumulator=0.25)
    # v0 = 0.25; g=0 leaves v; g=1 > v0 moves v up by (1 - b2) * 1
    np.testing.assert_allclose(state["exp_avg_sq"], [0.25, 0.25 + 0.001])
    np.testing.assert_allclose(state["exp_avg"], [0.0, 0.1])


# --- correct variants get full marks -----------------------------------------------------------

def adagrad_loops(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                  eps=1e-10):
    new = params.copy()
    acc = state["sum"].copy() if state else np.full(params.shape, initial_accumulator_value)
    t = state.get("step", 0) + 1
    for i in np.ndindex(params.shape):
        g = grad[i] + weight_decay * params[i]
        acc[i] += g ** 2
        new[i] -= lr / (1 + (t - 1) * lr_decay) * g / (acc[i] ** 0.5 + eps)
    return new, {"step": t, "sum": acc}


def rmsprop_inplace(params, grad, state, *, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                    centered=False):
    p = params.copy()
    g = grad + weight_decay * p
    s = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    s.setdefault("step", 0)
    s["step"] += 1
    s.setdefault("square_avg", np.zeros_like(p))
    s["square_avg"] *= alpha
    s["square_avg"] += (1 - alpha) * g ** 2
    var = s["square_avg"]
    if centered:
        s.setdefault("grad_avg", np.zeros_like(p))
        s["grad_avg"] += (1 - alpha) * (g - s["grad_avg"])
        var = var - s["grad_avg"] ** 2
    step = g / (np.sqrt(var) + eps)
    if momentum > 0:
        s.setdefault("momentum_buffer", np.zeros_like(p))
        s["momentum_buffer"] *= momentum
        s["momentum_buffer"] += step
        step = s["momentum_buffer"]
    p -= lr * step
    return p, s


def adadelta_loops(params, grad, state, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    sq = np.array(state.get("square_avg", np.zeros(params.shape)), dtype=float)
    acc = np.array(state.get("acc_delta", np.zeros(params.shape)), dtype=float)
    new = np.empty_like(params)
    for i in range(params.size):
        g = grad.flat[i] + weight_decay * params.flat[i]
        sq.flat[i] = rho * sq.flat[i] + (1 - rho) * g * g
        d = math.sqrt(acc.flat[i] + eps) / math.sqrt(sq.flat[i] + eps) * g
        acc.flat[i] = rho * acc.flat[i] + (1 - rho) * d * d
        new.flat[i] = params.flat[i] - lr * d
    return new, {"step": state.get("step", 0) + 1, "square_avg": sq, "acc_delta": acc}


def _adam_hat(params, grad, state, lr, betas, eps, weight_decay, amsgrad, decoupled):
    """Adam in the paper's m_hat / v_hat form (torch folds the corrections differently)."""
    b1, b2 = betas
    t = state.get("step", 0) + 1
    p = params * (1 - lr * weight_decay) if decoupled else params
    g = grad if decoupled else grad + weight_decay * params
    m = b1 * state.get("exp_avg", 0.0) + (1 - b1) * g
    v = b2 * state.get("exp_avg_sq", 0.0) + (1 - b2) * g ** 2
    new_state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        v = new_state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", 0.0), v)
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), new_state


def adam_hat(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    return _adam_hat(params, grad, state, lr, betas, eps, weight_decay, amsgrad, False)


def adamw_hat(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
    return _adam_hat(params, grad, state, lr, betas, eps, weight_decay, amsgrad, True)


def yogi_where(params, grad, state, *, lr=1e-2, betas=(0.9, 0.999), eps=1e-3, initial_accumulator=1e-6):
    b1, b2 = betas
    t = state.get("step", 0) + 1
    m = state.get("exp_avg", np.zeros_like(params)) * b1 + (1 - b1) * grad
    v = state.get("exp_avg_sq", np.full_like(params, initial_accumulator))
    g2 = grad ** 2
    v = np.where(v > g2, v - (1 - b2) * g2, np.where(v < g2, v + (1 - b2) * g2, v))
    m_hat = m / (1 - b1 ** t)
    return params - lr * m_hat / (np.sqrt(v / (1 - b2 ** t)) + eps), {"step": t, "exp_avg": m, "exp_avg_sq": v}


@pytest.mark.parametrize("name, fn", [("adagrad_step", adagrad_loops), ("rmsprop_step", rmsprop_inplace),
                                      ("adadelta_step", adadelta_loops), ("adam_step", adam_hat),
                                      ("adamw_step", adamw_hat), ("yogi_step", yogi_where)])
def test_correct_variants_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    failed = [(r.case.label, r.problem) for r in ev.results if not r.passed]
    assert ev.score == ev.points, failed
    assert evaluate(name, fn, hidden=False).score == ev.points


def test_delegating_to_torch_earns_nothing():
    def adam_via_torch(params, grad, state, **hyper):
        p = torch.tensor(params, requires_grad=True)
        opt = torch.optim.Adam([p], **hyper)
        if state:
            opt.state[p] = {k: torch.as_tensor(v) for k, v in state.items()}
        p.grad = torch.tensor(grad)
        opt.step()
        return p.detach().numpy().copy(), {k: v.clone() for k, v in opt.state[p].items()}

    ev = evaluate("adam_step", adam_via_torch)
    assert ev.score == 0 and ev.delegated


@pytest.mark.serial  # timed
def test_hidden_cases_are_quick():
    import time
    for name, fn in [("adam_step", adam_hat), ("rmsprop_step", rmsprop_inplace), ("adagrad_step", adagrad_loops)]:
        start = time.perf_counter()
        evaluate(name, fn)
        assert time.perf_counter() - start < 2.0, name


def test_vectorised_sweep_equals_one_run_per_learning_rate():
    """The race's sweep runs k learning rates at once; each row must be the run at that learning rate alone,
    also for a step written for a scalar lr only (the fallback), and a run that blows up must not touch the others."""
    from coursekit.race import lr_sweep, rosenbrock_problem, run, sparse_problem, sweep_paths

    def scalar_only_sgd(params, grad, state, *, lr):
        return params - float(lr) * grad, state  # float() rejects an array lr: the sweep falls back to one run per lr

    def rosenbrock_b100(x):  # the lesson writes these out in a cell: points (2,) or stacks (k, 2)
        return (1 - x[..., 0]) ** 2 + 100 * (x[..., 1] - x[..., 0] ** 2) ** 2

    def rosenbrock_b100_grad(x):
        inner = x[..., 1] - x[..., 0] ** 2
        return np.stack([-2 * (1 - x[..., 0]) - 400 * x[..., 0] * inner, 200 * inner], axis=-1)

    lrs = np.array([1e-3, 3e-2, 0.3, 30.0])  # SGD: 1e-3 stays finite on both problems, 30 blows up on both
    for problem in (rosenbrock_problem(rosenbrock_b100, rosenbrock_b100_grad, n_steps=80), sparse_problem(n_steps=80)):
        for step in (adam_step, adagrad_step, yogi_step, scalar_only_sgd):
            paths = sweep_paths(step, problem, lrs)
            assert paths.shape == (81, lrs.size, problem.x0.size)
            for i, lr in enumerate(lrs):
                np.testing.assert_allclose(paths[:, i], run(step, problem, lr=lr), rtol=1e-12, atol=1e-12, equal_nan=True)
        finals = lr_sweep({"SGD": scalar_only_sgd}, problem, lrs)["SGD"]
        assert np.isinf(finals[-1]) and np.isfinite(finals[0])


def test_last_mean_scores_a_run_by_its_tail_and_a_blown_up_run_as_inf():
    """The tuned race's selection: the mean loss over the last steps of each learning rate's run, inf when it blew up."""
    from coursekit.race import last_mean, lr_sweep, noise_floor, sparse_problem

    def sgd(params, grad, state, *, lr):
        return params - lr * grad, state

    problem = sparse_problem(n_steps=60)
    lrs = np.array([0.1, 1.0, 30.0])  # 30 blows up
    paths = {}
    finals = lr_sweep({"SGD": sgd}, problem, lrs, paths=paths)
    scores = last_mean(paths, problem, last=10)["SGD"]
    tail = np.stack([problem.loss(p) for p in paths["SGD"][-10:, :2]])  # the two runs that stay finite
    np.testing.assert_allclose(scores[:2], tail.mean(axis=0), rtol=1e-12)
    assert np.isinf(scores[2]) and np.isinf(finals["SGD"][2])
    floor = noise_floor(problem)
    assert floor == problem.loss(problem.w_best) and np.all(scores[:2] > floor)


def _rosenbrock_b100(x):
    return (1 - x[..., 0]) ** 2 + 100 * (x[..., 1] - x[..., 0] ** 2) ** 2


def _rosenbrock_b100_grad(x):
    inner = x[..., 1] - x[..., 0] ** 2
    return np.stack([-2 * (1 - x[..., 0]) - 400 * x[..., 0] * inner, 200 * inner], axis=-1)


def test_the_race_explorers_runs_are_the_runs_at_the_sliders_rate():
    """The explorer cuts its runs out of one sweep over every rate the slider takes: each is the run at that rate
    alone; a rate the optimizer fixes (Adadelta's multiplier) and a rate off the slider's grid are run alone."""
    from coursekit.race import _Runs, rosenbrock_problem, run, sparse_problem

    problems = {"R": rosenbrock_problem(_rosenbrock_b100, _rosenbrock_b100_grad, n_steps=60), "S": sparse_problem(n_steps=60)}
    optimizers = {"Adam": adam_step, "Adadelta": adadelta_step}
    grid = 10.0 ** np.round(np.arange(-3, 1e-9, 0.1), 10)
    runs = _Runs(optimizers, problems, grid, {"Adadelta": 1.0})
    for label, problem in problems.items():
        for lr in (10 ** -2.9, 10 ** -0.4, 1.0):  # on the grid (as the browser's slider computes them)
            np.testing.assert_allclose(runs.path(label, "Adam", lr), run(adam_step, problem, lr=lr), rtol=1e-12, atol=1e-12)
        assert (label, "Adam") in runs.sweeps
        np.testing.assert_array_equal(runs.path(label, "Adadelta", 0.01), run(adadelta_step, problem, lr=1.0))
        np.testing.assert_array_equal(runs.path(label, "Adam", 0.0123), run(adam_step, problem, lr=0.0123))
    assert ("R", "Adadelta") not in runs.sweeps and ("R", "Adam", 0.0123) in runs.single


def test_a_race_redrawn_in_place_is_the_picture_drawn_anew():
    """A learning-rate move updates the explorer's figure in place: the same pixels as the figure drawn from
    nothing at the new rate (paths, markers, loss curves, titles, y-limits), on both problems."""
    from coursekit.race import _update_race, plot_race, race, rosenbrock_problem, sparse_problem
    from coursekit.widgets import own_figure

    optimizers = {"Adam": adam_step, "Adagrad": adagrad_step, "RMSProp": rmsprop_step}

    def figure(problem, lr):
        fig = own_figure()
        fig.set_size_inches(11, 4.2)
        axes = fig.subplots(1, 2 if problem.contour is not None else 1, squeeze=False)[0]
        plot_race(problem, race(optimizers, problem, lr), lr, axes=axes)
        return fig, axes

    def pixels(fig):
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    for problem in (rosenbrock_problem(_rosenbrock_b100, _rosenbrock_b100_grad, n_steps=80), sparse_problem(n_steps=80)):
        moved, axes = figure(problem, 0.01)
        before = pixels(moved)
        _update_race(axes, problem, race(optimizers, problem, 0.3), 0.3)
        after, anew = pixels(moved), pixels(figure(problem, 0.3)[0])
        assert not np.array_equal(before, after), "the move changed nothing"
        assert np.array_equal(after, anew), f"{problem.name}: {np.mean(np.any(after != anew, axis=2)):.2%} pixels differ"
