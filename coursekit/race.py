"""Lesson 05: an optimizer race on shared problems, a learning-rate sweep, and a small explorer.

A *problem* is a start point, a loss and a gradient (possibly stochastic, from a fixed seed);
an *optimizer* is any functional step ``new_params, state = step(params, grad, state, **hyper)``
(the lesson passes the students' own functions).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from .datasets import sparse_features
from .functions import rosenbrock, rosenbrock_grad
from .runtime import is_static
from .widgets import fit_titles, show_in


@dataclass
class Problem:
    """``make_grad()`` returns a fresh gradient function ``grad(params) -> array`` (stochastic ones
    replay the same minibatches every time, so every optimizer sees the same data)."""

    name: str
    x0: np.ndarray
    loss: Callable[[np.ndarray], float]
    make_grad: Callable[[], Callable[[np.ndarray], np.ndarray]]
    n_steps: int
    contour: tuple | None = None  # (xlim, ylim) for 2-d problems


def rosenbrock_problem(b=100.0, x0=(-1.2, 1.0), n_steps=600):
    """Rosenbrock's banana valley (a=1) from ``x0``: minimum 0 at (1, 1)."""
    return Problem(f"Rosenbrock (b={b:g})", np.array(x0, dtype=np.float64), lambda x: rosenbrock(x, b=b),
                   lambda: (lambda x: rosenbrock_grad(x, b=b)), n_steps, ((-2.0, 2.0), (-1.0, 3.0)))


def sparse_problem(n=500, d=50, batch_size=10, n_steps=500, seed=0):
    """Linear regression on rare features (``datasets.sparse_features``), minibatch gradients of the MSE.

    Loss: full-data MSE of the weights w (d,), from w = 0. The minibatch order is fixed by ``seed``.
    """
    X, y = sparse_features(n=n, d=d, seed=seed)
    order = np.random.default_rng(seed + 1).integers(0, n, size=(n_steps, batch_size))

    def loss(w):
        return float(np.mean((X @ w - y) ** 2))

    def make_grad():
        t = iter(range(n_steps * 10))

        def grad(w):
            idx = order[next(t) % n_steps]
            Xb = X[idx]
            return 2.0 * Xb.T @ (Xb @ w - y[idx]) / batch_size
        return grad

    return Problem(f"sparse features (d={d}, batch {batch_size})", np.zeros(d), loss, make_grad, n_steps)


def run(step, problem: Problem, n_steps=None, **hyper):
    """Parameters after each step, start included: array (n_steps + 1, d). Stops early (filled with
    NaN) if the parameters blow up."""
    n_steps = problem.n_steps if n_steps is None else n_steps
    grad = problem.make_grad()
    params, state = problem.x0.copy(), {}
    path = np.full((n_steps + 1, problem.x0.size), np.nan)
    path[0] = params
    with np.errstate(all="ignore"):
        for t in range(1, n_steps + 1):
            params, state = step(params, grad(params), state, **hyper)
            if not np.all(np.isfinite(params)) or np.max(np.abs(params)) > 1e6:
                break
            path[t] = params
    return path


def losses(problem: Problem, path):
    """Loss along a path (NaN where the run blew up)."""
    return np.array([problem.loss(p) if np.all(np.isfinite(p)) else np.nan for p in path])


def race(optimizers: dict, problem: Problem, lr: float, fixed_lr: dict | None = None, n_steps=None):
    """Run every optimizer ``{name: step}`` from the same start with learning rate ``lr``
    (``fixed_lr`` overrides it per name, e.g. ``{"Adadelta": 1.0}``). Returns ``{name: path}``."""
    fixed_lr = fixed_lr or {}
    return {name: run(step, problem, n_steps, lr=fixed_lr.get(name, lr)) for name, step in optimizers.items()}


def plot_race(problem: Problem, paths: dict, lr: float, fixed_lr: dict | None = None, axes=None):
    """Loss against step (log scale) and, for a 2-d problem, the paths on its contour plot."""
    from .plotting import contour, trajectory

    fixed_lr = fixed_lr or {}
    two_d = problem.contour is not None
    if axes is None:
        _, axes = plt.subplots(1, 2 if two_d else 1, figsize=(11, 4.2) if two_d else (6.4, 4.2), squeeze=False)
        axes = axes[0]
    ax_loss = axes[-1]
    if two_d:
        ax = contour(problem.loss, *problem.contour, ax=axes[0])
        for name, path in paths.items():
            trajectory(ax, path[np.all(np.isfinite(path), axis=1)], label=name, marker="")
        ax.plot(1, 1, "w*", ms=14, mec="k")
        ax.set_xlim(*problem.contour[0])
        ax.set_ylim(*problem.contour[1])
        ax.set_title(f"{problem.name}: paths (lr={lr:g})")
    for name, path in paths.items():
        label = name + (f" (lr={fixed_lr[name]:g})" if name in fixed_lr else "")
        ax_loss.semilogy(losses(problem, path), label=label)
    _clip_top(ax_loss, problem)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss (log scale)")
    ax_loss.set_title(f"{problem.name}: loss, lr={lr:g}")
    ax_loss.legend(fontsize=8)
    return axes


def _clip_top(ax, problem):
    """A diverging run would squash every other curve: show at most 100x the starting loss."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, min(high, 100 * problem.loss(problem.x0)))


def lr_sweep(optimizers: dict, problem: Problem, lrs, n_steps=None, progress=None):
    """Final loss of each optimizer for each learning rate: ``{name: array (len(lrs),)}``; a run that
    blows up counts as ``inf``."""
    result = {}
    names = list(optimizers)
    for name in (progress(names) if progress else names):
        finals = []
        for lr in lrs:
            path = run(optimizers[name], problem, n_steps, lr=lr)
            last = path[np.all(np.isfinite(path), axis=1)][-1]
            finals.append(problem.loss(last) if np.isfinite(path[-1]).all() else np.inf)
        result[name] = np.array(finals)
    return result


def race_explorer(optimizers: dict, problems: dict, lr=(1e-3, 1.0, 0.03), fixed_lr=None, static_lr=(0.01, 0.1),
                  selected=None):
    """Pick optimizers, a problem and a learning rate, and watch the race.

    optimizers: ``{name: step}``; problems: ``{label: Problem}``; lr: (low, high, initial) of a log
    slider; fixed_lr: names whose learning rate is fixed (Adadelta's lr is a multiplier, 1 by default).
    Without a widget front-end (reading edition, autograding) it draws every problem at each of
    ``static_lr`` for the ``selected`` optimizers instead.
    """
    selected = list(selected or optimizers)
    if not is_static():
        try:
            import ipywidgets as widgets
            from IPython.display import display
        except ImportError:  # pragma: no cover - ipywidgets is a dependency
            pass
        else:
            pick = widgets.SelectMultiple(options=list(optimizers), value=selected, rows=len(optimizers),
                                          description="optimizers")
            which = widgets.Dropdown(options=list(problems), description="problem")
            low, high, init = lr
            rate = widgets.FloatLogSlider(value=init, base=10, min=np.log10(low), max=np.log10(high), step=0.1,
                                          description="lr", continuous_update=False, readout_format=".3g")
            out = widgets.Output()

            def render():
                problem = problems[which.value]
                chosen = {n: optimizers[n] for n in pick.value}
                plot_race(problem, race(chosen, problem, rate.value, fixed_lr), rate.value, fixed_lr)

            def redraw(*_):
                show_in(out, render)  # never ``with out:`` under a headless client: see coursekit.widgets

            for w in (pick, which, rate):
                w.observe(redraw, names="value")
            box = widgets.VBox([widgets.HBox([pick, widgets.VBox([which, rate])]), out])
            display(box)
            redraw()
            return box
    chosen = {n: optimizers[n] for n in selected}
    fig, axes = plt.subplots(len(static_lr), len(problems), figsize=(5.2 * len(problems), 3.8 * len(static_lr)),
                             squeeze=False, layout="constrained")
    for i, value in enumerate(static_lr):
        for j, problem in enumerate(problems.values()):
            paths = race(chosen, problem, value, fixed_lr)
            ax = axes[i, j]
            for name, path in paths.items():
                label = name + (f" (lr={fixed_lr[name]:g})" if fixed_lr and name in fixed_lr else "")
                ax.semilogy(losses(problem, path), label=label)
            _clip_top(ax, problem)
            ax.set_title(f"{problem.name}, lr={value:g}", fontsize=10)
            ax.set_xlabel("step")
            ax.set_ylabel("loss (log scale)")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("The race at fixed learning rates\n(static view: run the notebook for the controls)", fontsize=11)
    fit_titles(fig, axes.ravel())  # the layout engine places the suptitle above the panel titles
    return fig
