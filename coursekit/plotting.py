"""One look for every figure of the course, and the plots several lessons share."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

STYLE = {
    "figure.figsize": (6.4, 4.2),
    "figure.dpi": 90,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the course style (call once at the top of a lesson)."""
    matplotlib.rcParams.update(STYLE)


def label(ax, title=None, xlabel=None, ylabel=None, legend=None):
    """Title and axis labels of one plot in one call; ``legend=True`` (or a dict of legend
    keyword arguments) adds a legend. Returns the axes. Every figure of the course is titled and
    has both axes labelled (``figure_problems`` lists what is missing)."""
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if legend:
        ax.legend(**(legend if isinstance(legend, dict) else {}))
    return ax


def figure_problems(fig) -> list[str]:
    """What keeps a figure from the course's look: plots without a title (when the figure has no
    suptitle) and a figure without an x or a y label anywhere. Colorbars and hidden axes are ignored.
    An empty list means the figure is fine (used by the benchmark's figure audit)."""
    axes = [ax for ax in fig.get_axes() if ax.axison and ax.get_label() != "<colorbar>"
            and (ax.has_data() or ax.texts or ax.patches)]
    if not axes:
        return []
    problems = []
    suptitle = getattr(fig, "_suptitle", None)
    if not (suptitle and suptitle.get_text()):
        untitled = [i for i, ax in enumerate(axes) if not ax.get_title()]
        if untitled:
            problems.append(f"{len(untitled)} of {len(axes)} plots have no title")
    supx, supy = getattr(fig, "_supxlabel", None), getattr(fig, "_supylabel", None)
    if not (supx and supx.get_text()) and not any(ax.get_xlabel() for ax in axes):
        problems.append("no x label")
    if not (supy and supy.get_text()) and not any(ax.get_ylabel() for ax in axes):
        problems.append("no y label")
    return problems


def contour(f, xlim=(-2.0, 2.5), ylim=(-1.0, 3.0), ax=None, levels=30, log=True, n=200):
    """Filled contours of a 2-d function ``f(array (2,)) -> float``; returns the axes."""
    if ax is None:
        _, ax = plt.subplots()
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = np.array([[f(np.array([x, y])) for x in xs] for y in ys])
    Zp = np.log10(Z - Z.min() + 1e-3) if log else Z
    ax.contourf(X, Y, Zp, levels=levels, alpha=0.8)
    ax.contour(X, Y, Zp, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def trajectory(ax, path, label=None, color=None, marker="o"):
    """Draw an optimizer's path (array (n, 2)) on a contour plot, start and end marked."""
    path = np.asarray(path)
    line, = ax.plot(path[:, 0], path[:, 1], marker=marker, ms=2.5, lw=1.2, label=label, color=color)
    ax.plot(*path[0], "s", color=line.get_color(), ms=6)
    ax.plot(*path[-1], "*", color=line.get_color(), ms=10)
    return line


def quiver(grad_f, ax, xlim, ylim, n=15):
    """Arrows of the negative gradient (normalised length, colour = log of its norm)."""
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    G = np.array([[grad_f(np.array([x, y])) for x in xs] for y in ys])
    U, V = -G[..., 0], -G[..., 1]
    norm = np.hypot(U, V) + 1e-12
    return ax.quiver(X, Y, U / norm, V / norm, np.log10(norm), cmap="magma", scale=n * 1.6)
