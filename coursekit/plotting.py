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
