"""Lesson 05: an optimizer race on shared problems, a learning-rate sweep, and a small explorer.

A *problem* is a start point, a loss and a gradient (possibly stochastic, from a fixed seed);
an *optimizer* is any functional step ``new_params, state = step(params, grad, state, **hyper)``
(the lesson passes the students' own functions).

Every problem's loss and gradient also accept a stack of parameter vectors (k, d), so that
:func:`sweep_paths` runs one optimizer at k learning rates at once: the optimizers are element-wise,
so ``lr`` can be an array (k, 1) broadcast against parameters (k, d). Each row is an independent run.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullLocator

from .datasets import sparse_features
from .runtime import is_static
from .widgets import Frames, fit_titles, own_figure, register_live, show_in


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
    frequency: np.ndarray | None = None  # (d,) for feature problems: the fraction of samples using each feature
    w_best: np.ndarray | None = None  # (d,) for feature problems: the minimiser of the loss
    data: tuple | None = None  # (X (n, d), y (n,)) for feature problems
    batches: np.ndarray | None = None  # (n_steps, batch_size) int: the sample indices of each step's minibatch


def rosenbrock_problem(loss, grad, x0=(-1.2, 1.0), n_steps=600, name="Rosenbrock (b=100)"):
    """Rosenbrock's banana valley from ``x0``, with the loss and gradient the lesson passes in
    (the kit holds no graded function: lesson 05 writes them out in a cell).

    ``loss`` maps a point (2,) to a number and a stack of points (k, 2) to (k,); ``grad`` maps (2,)
    to (2,) and (k, 2) to (k, 2) (the sweep runs k learning rates at once). The contour plot shows
    [-2, 2] x [-1, 3] and marks the minimum at (1, 1).
    """
    return Problem(name, np.array(x0, dtype=np.float64), loss, lambda: grad, n_steps, ((-2.0, 2.0), (-1.0, 3.0)))


def sparse_problem(n=500, d=50, batch_size=10, n_steps=500, seed=0):
    """Linear regression on rare features (``datasets.sparse_features``), minibatch gradients of the MSE.

    Loss: full-data MSE of the weights w (d,), from w = 0. The minibatch order is fixed by ``seed``.
    """
    X, y = sparse_features(n=n, d=d, seed=seed)
    order = np.random.default_rng(seed + 1).integers(0, n, size=(n_steps, batch_size))

    XT = np.ascontiguousarray(X.T)  # w @ X.T with X.T a view takes 100 times longer on some BLAS builds

    def loss(w):
        """w (d,) -> float, or a stack w (k, d) -> (k,)."""
        mse = np.mean((w @ XT - y) ** 2, axis=-1)
        return float(mse) if w.ndim == 1 else mse

    def make_grad():
        t = iter(range(n_steps * 10))

        def grad(w):
            """Minibatch gradient of the MSE: w (d,) -> (d,) or (k, d) -> (k, d), the same minibatch."""
            idx = order[next(t) % n_steps]
            Xb = X[idx]
            return 2.0 * (w @ Xb.T - y[idx]) @ Xb / batch_size
        return grad

    return Problem(f"sparse features (d={d}, batch {batch_size})", np.zeros(d), loss, make_grad, n_steps,
                   frequency=np.mean(X != 0, axis=0), w_best=np.linalg.lstsq(X, y, rcond=None)[0], data=(X, y),
                   batches=order)


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
    """Loss along a path (n_steps + 1, d) -> (n_steps + 1,), NaN where the run blew up (every problem's loss
    takes a stack of points at once)."""
    path = np.asarray(path, dtype=np.float64)
    finite = np.all(np.isfinite(path), axis=1)
    with np.errstate(all="ignore"):
        values = np.asarray(problem.loss(np.where(finite[:, None], path, 0.0)), dtype=np.float64)
    return np.where(finite, values, np.nan)


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
    created = axes is None
    if created:
        _, axes = plt.subplots(1, 2 if two_d else 1, figsize=(11, 4.2) if two_d else (6.4, 4.2), squeeze=False)
        axes = axes[0]
    ax_loss = axes[-1]
    if two_d:
        ax = contour(problem.loss, *problem.contour, ax=axes[0])
        ax.figure.colorbar(ax.collections[0], ax=ax, label="$\\log_{10}$(loss $+ 10^{-3}$)")
        for name, path in paths.items():
            trajectory(ax, path[np.all(np.isfinite(path), axis=1)], label=name, marker="")
        ax.plot(1, 1, "w*", ms=14, mec="k")
        ax.set_xlim(*problem.contour[0])
        ax.set_ylim(*problem.contour[1])
        ax.set_title(f"{problem.name}: paths (lr={lr:g})")
    for name, path in paths.items():
        label = name + (f" (lr={fixed_lr[name]:g})" if name in fixed_lr else "")
        ax_loss.semilogy(losses(problem, path), label=label)
    _draw_floor(ax_loss, problem)
    _clip_top(ax_loss, problem)
    ax_loss.yaxis.set_minor_locator(NullLocator())  # 8 per decade over ten decades: a third of each redraw's time
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss (log scale)")
    ax_loss.set_title(f"{problem.name}: loss, lr={lr:g}")
    ax_loss.legend(fontsize=8)
    if created:
        ax_loss.figure.tight_layout()
    return axes


def _clip_top(ax, problem):
    """A diverging run would squash every other curve: show at most 100x the starting loss."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, min(high, 100 * problem.loss(problem.x0)))


def noise_floor(problem: Problem) -> float | None:
    """The lowest loss a feature problem allows (the loss of its least-squares weights); None for others."""
    return None if problem.w_best is None else float(problem.loss(problem.w_best))


def _draw_floor(ax, problem):
    floor = noise_floor(problem)
    if floor is not None:
        ax.axhline(floor, color="k", ls=":", lw=1, label="noise floor (least squares)")


def sweep_paths(step, problem: Problem, lrs, n_steps=None):
    """One optimizer at every learning rate of ``lrs`` (k,), from the same start on the same data.

    Returns the parameters after each step, start included: array (n_steps + 1, k, d); a run that
    blows up is NaN from then on. The k runs are done at once (parameters (k, d), ``lr`` (k, 1)),
    which needs an element-wise ``step``; if ``step`` rejects an array ``lr`` or returns the wrong
    shape, the runs are done one by one with :func:`run` instead (same result, slower).
    """
    n_steps = problem.n_steps if n_steps is None else n_steps
    lrs = np.asarray(lrs, dtype=np.float64)
    k, d = lrs.size, problem.x0.size
    grad = problem.make_grad()
    params, state = np.tile(problem.x0, (k, 1)), {}
    path = np.full((n_steps + 1, k, d), np.nan)
    path[0] = params
    alive = np.ones(k, dtype=bool)
    try:
        with np.errstate(all="ignore"):
            for t in range(1, n_steps + 1):
                params, state = step(params, grad(params), state, lr=lrs[:, None])
                if np.shape(params) != (k, d):
                    raise ValueError(f"step returned shape {np.shape(params)} for parameters ({k}, {d})")
                alive &= np.all(np.isfinite(params), axis=1) & (np.max(np.abs(params), axis=1) <= 1e6)
                path[t, alive] = params[alive]
    except (TypeError, ValueError, IndexError):  # a step written for a scalar lr only: one run per lr
        path = np.stack([run(step, problem, n_steps, lr=float(lr)) for lr in lrs], axis=1)
    return path


def lr_sweep(optimizers: dict, problem: Problem, lrs, n_steps=None, progress=None, paths=None):
    """Final loss of each optimizer for each learning rate: ``{name: array (len(lrs),)}``; a run that
    blows up counts as ``inf``. ``paths``: a dict to fill with ``{name: sweep_paths(...)}`` (the
    trajectories behind the numbers, for :func:`tuned`)."""
    result = {}
    names = list(optimizers)
    for name in (progress(names) if progress else names):
        path = sweep_paths(optimizers[name], problem, lrs, n_steps)
        final = path[-1]
        finite = np.all(np.isfinite(final), axis=1)
        result[name] = np.where(finite, problem.loss(np.where(finite[:, None], final, 0.0)), np.inf)
        if paths is not None:
            paths[name] = path
    return result


def best_lr(finals: dict, lrs) -> dict:
    """``{name: the learning rate of lrs with the lowest final loss}`` from :func:`lr_sweep`'s result."""
    lrs = np.asarray(lrs, dtype=np.float64)
    return {name: float(lrs[int(np.argmin(values))]) for name, values in finals.items()}


def last_mean(paths: dict, problem: Problem, last: int = 50) -> dict:
    """``{name: the mean loss over the last ``last`` steps, one per learning rate}`` from the sweep's
    trajectories (``inf`` for a run that blew up): a score that does not favour a run that happens to
    end in a trough of its noise, as the final loss alone does."""
    scores = {}
    for name, path in paths.items():
        with np.errstate(all="ignore"):
            tail = np.stack([problem.loss(p) for p in path[-last:]])  # (last, k)
        scores[name] = np.where(np.all(np.isfinite(tail), axis=0), tail.mean(axis=0), np.inf)
    return scores


def tuned(paths: dict, problem: Problem, finals: dict, lrs):
    """Each optimizer at its own tuned learning rate, from the sweep's trajectories (no re-run).

    ``finals``: the score of each learning rate to minimise (:func:`lr_sweep`'s final losses, or
    :func:`last_mean`). Returns ``(best, curves, ends)``: ``{name: lr*}``, ``{name: loss per step (n_steps + 1,)}`` and
    ``{name: final parameters (d,)}``.
    """
    best = best_lr(finals, lrs)
    lrs = np.asarray(lrs, dtype=np.float64)
    curves, ends = {}, {}
    for name, lr in best.items():
        path = paths[name][:, int(np.argmin(np.abs(lrs - lr)))]
        curves[name] = problem.loss(path)
        ends[name] = path[-1]
    return best, curves, ends


class _Runs:
    """The explorer's runs: for each problem and optimizer, one :func:`sweep_paths` over every learning
    rate the slider can take (``lrs``), made the first time it is asked for and cut into runs after; the
    rates ``fixed_lr`` fixes, and any other rate, are run alone (and kept)."""

    def __init__(self, optimizers: dict, problems: dict, lrs, fixed_lr: dict | None):
        self.optimizers, self.problems, self.fixed_lr = optimizers, problems, fixed_lr or {}
        self.lrs, self.sweeps, self.single = np.asarray(lrs, dtype=np.float64), {}, {}

    def path(self, label: str, name: str, lr: float) -> np.ndarray:
        """The parameters after each step (n_steps + 1, d) of optimizer ``name`` on problem ``label`` at ``lr``."""
        problem, step = self.problems[label], self.optimizers[name]
        lr = self.fixed_lr.get(name, lr)
        i = int(np.argmin(np.abs(np.log10(self.lrs) - np.log10(lr))))
        if name not in self.fixed_lr and abs(np.log10(self.lrs[i]) - np.log10(lr)) < 1e-9:
            if (label, name) not in self.sweeps:
                self.sweeps[label, name] = sweep_paths(step, problem, self.lrs)
            return self.sweeps[label, name][:, i]
        if (label, name, lr) not in self.single:
            if len(self.single) > 300:
                self.single.clear()
            self.single[label, name, lr] = run(step, problem, lr=lr)
        return self.single[label, name, lr]


def _update_race(axes, problem: Problem, paths: dict, lr: float) -> None:
    """Move the lines :func:`plot_race` drew on ``axes`` to ``paths`` (the same optimizers, in the same
    order) at learning rate ``lr``: the same picture as drawing it anew, without building it again."""
    ax_loss = axes[-1]
    for k, path in enumerate(paths.values()):
        if problem.contour is not None:  # trajectory() drew three lines per optimizer: path, start, end
            shown = path[np.all(np.isfinite(path), axis=1)]
            line, start, end = axes[0].lines[3 * k: 3 * k + 3]
            line.set_data(shown[:, 0], shown[:, 1])
            start.set_data(shown[:1, 0], shown[:1, 1])
            end.set_data(shown[-1:, 0], shown[-1:, 1])
        ax_loss.lines[k].set_data(np.arange(len(path)), losses(problem, path))
    if problem.contour is not None:
        axes[0].set_title(f"{problem.name}: paths (lr={lr:g})")
    ax_loss.set_title(f"{problem.name}: loss, lr={lr:g}")
    ax_loss.set_autoscaley_on(True)
    ax_loss.relim()
    ax_loss.autoscale_view(scalex=False)
    _clip_top(ax_loss, problem)


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
            out, frames = widgets.Output(), Frames()
            layouts, views = {}, {}
            slider_lrs = np.union1d(10.0 ** np.round(np.arange(np.log10(low), np.log10(high) + 1e-9, 0.1), 10), [init])
            runs = _Runs(optimizers, problems, slider_lrs, fixed_lr)

            def render():
                problem, names = problems[which.value], tuple(pick.value)
                paths = {name: runs.path(which.value, name, rate.value) for name in names}
                if which.value not in layouts:  # a problem's figure is laid out once (tight_layout) ...
                    fig = plot_race(problem, paths, rate.value, fixed_lr)[0].figure
                    pars = {k: getattr(fig.subplotpars, k) for k in ("left", "right", "bottom", "top", "wspace")}
                    panels = len(fig.axes) - (problem.contour is not None)  # the contour's colour bar is no panel
                    layouts[which.value] = (tuple(fig.get_size_inches()), panels, pars)
                    plt.close(fig)
                view = views.get((which.value, names))
                if view is not None:  # ... a new learning rate moves the lines of the figure drawn for this choice ...
                    _update_race(view.axes[:len(view.axes) - (problem.contour is not None)], problem, paths, rate.value)
                    return view
                size, ncols, pars = layouts[which.value]  # ... another choice draws a figure of its own in that layout
                if len(views) >= 8:
                    views.clear()
                fig = views[which.value, names] = own_figure()
                fig.set_size_inches(size)
                axes = fig.subplots(1, ncols, squeeze=False)
                fig.subplots_adjust(**pars)
                plot_race(problem, paths, rate.value, fixed_lr, axes=axes[0])
                return fig

            def redraw(*_):
                show_in(out, render, frames)  # never ``with out:`` under a headless client: see coursekit.widgets

            for w in (pick, which, rate):
                w.observe(redraw, names="value")
            register_live([pick, which, rate], out)
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
            _draw_floor(ax, problem)
            _clip_top(ax, problem)
            ax.set_title(f"{problem.name}, lr={value:g}", fontsize=10)
            ax.set_xlabel("step")
            ax.set_ylabel("loss (log scale)")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("The race at fixed learning rates\n(static view: run the notebook for the controls)", fontsize=11)
    fit_titles(fig, axes.ravel())  # the layout engine places the suptitle above the panel titles
    return fig
