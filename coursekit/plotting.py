"""One look for every figure of the course, and the plots several lessons share."""
from __future__ import annotations

import weakref

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
    """What keeps a figure from reading at a glance; an empty list means the figure is fine (used by
    the benchmark's figure audit and ``python -m tools.figure_audit``). It lists:

    - plots without a title (when the figure has no suptitle), a figure without an x or a y label
      anywhere (colour bars and hidden axes are ignored);
    - colour that encodes a value without a key (``colour_key_problems``): filled contours, images,
      meshes, a scatter or quiver coloured by an array, without a colour bar (or, for a few discrete
      classes, a legend);
    - overlapping text (``overlapping_text``): titles, suptitle, axis and tick labels, texts, as
      the Agg renderer lays them out (twinned plots, ``twinx``/``twiny``, share their drawing area on
      purpose: see ``twins``);
    - a legend that covers data (``legend_covers_data``): more than ``LEGEND_COVER`` of a plot's
      lines (by drawn length), markers or bar area under the legend's box.

    The figure is laid out (``draw_without_rendering``) first, as printing it would.
    """
    axes = [ax for ax in fig.get_axes() if ax.axison and ax.get_label() != "<colorbar>"
            and (ax.has_data() or ax.texts or ax.patches)]
    if not axes:
        return []
    problems = []
    fig.draw_without_rendering()
    suptitle = getattr(fig, "_suptitle", None)
    if not (suptitle and suptitle.get_text()):
        # a twin (``twinx``) is the same plot as its host: one title serves both
        plots = [ax for ax in axes if not any(axes.index(t) < axes.index(ax) for t in twins(ax) if t in axes)]
        untitled = [ax for ax in plots if not any(a.get_title() for a in (ax, *twins(ax)))]
        if untitled:
            problems.append(f"{len(untitled)} of {len(plots)} plots have no title")
    supx, supy = getattr(fig, "_supxlabel", None), getattr(fig, "_supylabel", None)
    if not (supx and supx.get_text()) and not any(ax.get_xlabel() for ax in axes):
        problems.append("no x label")
    if not (supy and supy.get_text()) and not any(ax.get_ylabel() for ax in axes):
        problems.append("no y label")
    problems += colour_key_problems(fig)
    problems += overlapping_text(fig, layout=False)
    problems += legend_covers_data(fig, layout=False)
    return problems


def _name(ax) -> str:
    """How a problem names a plot: its title, else its position in the figure."""
    title = ax.get_title() or next((t for t in (ax.get_title("left"), ax.get_title("right")) if t), "")
    index = ax.figure.get_axes().index(ax)
    return f"plot {index + 1} ({title[:40]!r})" if title else f"plot {index + 1} (untitled)"


# ---- colour that encodes a value needs a key ------------------------------------------------------

DISCRETE_CLASSES = 10  # at most this many colours: a legend may name them instead of a colour bar


def _value_coloured(ax):
    """(artist, kind, discrete) for every visible artist of ``ax`` whose colour encodes a value."""
    from matplotlib.contour import ContourSet
    from matplotlib.image import AxesImage

    for artist in [*ax.images, *ax.collections]:
        if not artist.get_visible():
            continue
        if isinstance(artist, ContourSet):
            if not artist.filled and (artist.colors is not None or getattr(artist, "labelTexts", None)):
                continue  # lines in given colours, or labelled with their values
            discrete = artist.colors is not None or len(artist.levels) <= DISCRETE_CLASSES + 1
            yield artist, "filled contours" if artist.filled else "contour lines", discrete
            continue
        array = artist.get_array() if hasattr(artist, "get_array") else None
        if array is None or np.ma.size(array) == 0:
            continue
        if isinstance(artist, AxesImage) and np.ndim(array) == 3:
            continue  # an RGB(A) picture: its colours are the data itself
        values = np.unique(np.ma.compressed(np.ma.masked_invalid(np.ma.asarray(array, dtype=float))))
        if values.size <= 1:
            continue
        kind = {"AxesImage": "an image", "QuadMesh": "a colour mesh", "PathCollection": "a coloured scatter",
                "Quiver": "coloured arrows"}.get(type(artist).__name__, type(artist).__name__)
        yield artist, kind, values.size <= DISCRETE_CLASSES


def _colourbar_keys(fig) -> list:
    """(norm, cmap name, vmin, vmax) of every mappable that has a colour bar on ``fig``."""
    keys = []
    for ax in fig.get_axes():
        for artist in [*ax.images, *ax.collections]:
            if getattr(artist, "colorbar", None) is not None:
                norm = artist.norm
                keys.append((norm, artist.get_cmap().name, norm.vmin, norm.vmax))
    return keys


def colour_key_problems(fig) -> list[str]:
    """Plots where colour encodes a value (filled contours, ``imshow``, ``pcolormesh``, a scatter or
    quiver coloured by an array) and nothing says which colour means what: no colour bar for it (or
    for a mappable with the same norm, or the same colour map and limits: one bar may serve several
    panels), and, for a few discrete classes (at most ``DISCRETE_CLASSES`` colours), no legend.
    Contour lines drawn in given colours or labelled with ``clabel`` need no key."""
    keys = _colourbar_keys(fig)
    problems = []
    for ax in fig.get_axes():
        if ax.get_label() == "<colorbar>" or not ax.get_visible():
            continue
        for artist, kind, discrete in _value_coloured(ax):
            if getattr(artist, "colorbar", None) is not None:
                continue
            norm, cmap = artist.norm, artist.get_cmap().name
            if any(norm is k[0] or (cmap == k[1] and np.isclose(norm.vmin, k[2]) and np.isclose(norm.vmax, k[3]))
                   for k in keys if norm.vmin is not None and k[2] is not None):
                continue
            if discrete and (ax.get_legend() is not None or fig.legends):
                continue
            hint = " (or a legend naming its few classes)" if discrete else ""
            problems.append(f"{_name(ax)}: colour encodes a value ({kind}) but there is no colour bar{hint}")
            break  # one message per plot
    return problems


# ---- overlapping text ------------------------------------------------------------------------------

def _texts(fig) -> list:
    """(description, Text, owner axes or None) of every visible, non-empty text of ``fig`` as laid
    out: suptitle and super labels, figure texts, and per plot (colour bars included) its titles,
    axis labels, the tick labels it draws and its texts."""
    found = []

    def add(what, text, owner=None):
        if text is not None and text.get_visible() and text.get_text().strip():
            found.append((what, text, owner))

    supers = [getattr(fig, name, None) for name in ("_suptitle", "_supxlabel", "_supylabel")]
    for what, text in zip(("suptitle", "x super label", "y super label"), supers):
        add(what, text)
    for text in fig.texts:
        if all(text is not s for s in supers):  # the suptitle is one of the figure's texts too
            add("figure text", text)
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        name = "colour bar" if ax.get_label() == "<colorbar>" else _name(ax)
        for title in (ax.title, ax._left_title, ax._right_title):
            add(f"title of {name}", title, ax)
        if ax.axison:
            for axis, letter in ((ax.xaxis, "x"), (ax.yaxis, "y")):
                if not axis.get_visible():
                    continue  # not drawn (a twin's shared axis: ``twinx`` hides its x axis)
                add(f"{letter} label of {name}", axis.label, ax)
                # the ticks drawn in the view (Axis._update_ticks: matplotlib pinned in _versions.py)
                for tick in axis._update_ticks():
                    for label in (tick.label1, tick.label2):
                        add(f"{letter} tick label of {name}", label, ax)
        for text in ax.texts:
            add(f"text in {name}", text, ax)
    return found


def twins(ax) -> list:
    """The other plots of ``ax``'s figure drawn in the same place on purpose: ``twinx``/``twiny``
    (a second y or x scale over the same data area). Two plots are twins when they share an x or a
    y axis and their drawing areas coincide (within a pixel, as last laid out); the texts of one may
    lie on the other's drawing area and a legend of one may cover the other's lines."""
    found = []
    for other in ax.figure.get_axes():
        if other is ax or not other.get_visible():
            continue
        shared = ax.get_shared_x_axes().joined(ax, other) or ax.get_shared_y_axes().joined(ax, other)
        if shared and np.allclose(ax.bbox.extents, other.bbox.extents, atol=1.0):
            found.append(other)
    return found


def _overlap(a, b, tolerance_px) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance_px
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance_px)


def overlapping_text(fig, tolerance_px: float = 1.0, layout: bool = True) -> list[str]:
    """Texts of ``fig`` that run into each other or into a neighbouring plot, by their boxes (Agg
    renderer window extents, after layout) overlapping by more than ``tolerance_px`` both ways:
    title vs suptitle, titles of side-by-side panels, labels or tick labels of one plot on another
    plot's labels or on its drawing area. At most 4 are named, then a count.
    layout: lay the figure out first (``draw_without_rendering``; False if it just was)."""
    if layout:
        fig.draw_without_rendering()
    boxes = []
    for what, text, owner in _texts(fig):
        box = text.get_window_extent()
        if box.width > 0 and box.height > 0 and np.all(np.isfinite(box.extents)):
            boxes.append((what, text.get_text(), box, owner))
    found = []
    for i, (what_a, text_a, a, _) in enumerate(boxes):
        for what_b, text_b, b, _ in boxes[i + 1:]:
            if _overlap(a, b, tolerance_px):
                found.append(f"{what_a} {text_a[:30]!r} overlaps {what_b} {text_b[:30]!r}")
    plots = [ax for ax in fig.get_axes() if ax.get_visible() and ax.axison]
    same_place = {id(ax): {id(t) for t in twins(ax)} for ax in plots}
    for what, text, box, owner in boxes:
        for ax in plots:
            # a text of one plot on another plot's drawing area (texts of the figure may go anywhere;
            # twins share their drawing area on purpose)
            if owner is None or ax is owner or id(owner) in same_place[id(ax)]:
                continue
            if _overlap(box, ax.bbox, tolerance_px):
                where = "a colour bar" if ax.get_label() == "<colorbar>" else _name(ax)
                found.append(f"{what} {text[:30]!r} lies on {where}")
    if len(found) > 4:
        found = found[:4] + [f"... {len(found) - 4} more"]
    return [f"overlapping text: {p}" for p in found]


# ---- a legend that covers data ---------------------------------------------------------------------

LEGEND_COVER = 0.01  # more than 1% of a plot's drawn lines, markers or bar area under its legend


def _length_inside(p0, p1, box) -> np.ndarray:
    """Length of each segment p0[k] -> p1[k] (display coordinates, arrays (n, 2)) inside ``box``
    (Liang-Barsky clipping)."""
    d = p1 - p0
    t_lo, t_hi = np.zeros(len(d)), np.ones(len(d))
    for k, lo, hi in ((0, box.x0, box.x1), (1, box.y0, box.y1)):
        with np.errstate(divide="ignore", invalid="ignore"):
            ta, tb = (lo - p0[:, k]) / d[:, k], (hi - p0[:, k]) / d[:, k]
        parallel = d[:, k] == 0
        inside = (p0[:, k] >= lo) & (p0[:, k] <= hi)
        t_min = np.where(parallel, np.where(inside, -np.inf, np.inf), np.minimum(ta, tb))
        t_max = np.where(parallel, np.where(inside, np.inf, -np.inf), np.maximum(ta, tb))
        t_lo, t_hi = np.maximum(t_lo, t_min), np.minimum(t_hi, t_max)
    return np.clip(t_hi - t_lo, 0.0, None) * np.hypot(d[:, 0], d[:, 1])


def _inside(points, box) -> np.ndarray:
    return (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)


def legend_cover(ax) -> dict:
    """Fractions of ``ax``'s data under its legend's box: ``{"lines": drawn length, "markers":
    points (markers-only lines and scatters), "bars": rectangle area}``, each over what is drawn
    inside the plot, its twins' data included (``twins``: ``twinx``/``twiny``); a kind the plot
    does not draw is absent. Empty without a visible legend.
    Positions are those of the last layout (``fig.draw_without_rendering()``)."""
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox

    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return {}
    frame = ax.bbox
    box = Bbox.intersection(legend.get_window_extent(), frame)
    if box is None:
        return {}
    drawn = {"lines": [0.0, 0.0], "markers": [0, 0], "bars": [0.0, 0.0]}
    plots = [ax, *twins(ax)]  # a twin's data lie in the same area, under the same legend
    for line in (line for plot in plots for line in plot.lines):
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        if line.get_linestyle() in ("None", "", " ", "none"):
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            seen = _inside(xy, frame)
            drawn["markers"][0] += int(np.sum(seen & _inside(xy, box)))
            drawn["markers"][1] += int(np.sum(seen))
            continue
        p0, p1 = xy[:-1], xy[1:]
        ok = np.all(np.isfinite(p0), axis=1) & np.all(np.isfinite(p1), axis=1)
        drawn["lines"][0] += float(np.sum(_length_inside(p0[ok], p1[ok], box)))
        drawn["lines"][1] += float(np.sum(_length_inside(p0[ok], p1[ok], frame)))
    for collection in (c for plot in plots for c in plot.collections):
        if type(collection).__name__ != "PathCollection" or not collection.get_visible():
            continue
        xy = collection.get_offset_transform().transform(np.asarray(collection.get_offsets(), dtype=float))
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        seen = _inside(xy, frame)
        drawn["markers"][0] += int(np.sum(seen & _inside(xy, box)))
        drawn["markers"][1] += int(np.sum(seen))
    for patch in (patch for plot in plots for patch in plot.patches):
        if not isinstance(patch, Rectangle) or not patch.get_visible():
            continue
        bar = Bbox.intersection(patch.get_window_extent(), frame)
        if bar is None:
            continue
        under = Bbox.intersection(bar, box)
        drawn["bars"][0] += under.width * under.height if under is not None else 0.0
        drawn["bars"][1] += bar.width * bar.height
    return {kind: covered / total for kind, (covered, total) in drawn.items() if total > 0}


def legend_covers_data(fig, threshold: float = LEGEND_COVER, layout: bool = True) -> list[str]:
    """Plots whose legend covers more than ``threshold`` of their lines (by drawn length), their
    markers or their bar area (``legend_cover``). layout: as for ``overlapping_text``."""
    if layout:
        fig.draw_without_rendering()
    problems = []
    for ax in fig.get_axes():
        if ax.get_label() == "<colorbar>" or not ax.get_visible():
            continue
        covered = {kind: f for kind, f in legend_cover(ax).items() if f > threshold}
        if covered:
            what = ", ".join(f"{f:.0%} of its {kind}" for kind, f in covered.items())
            problems.append(f"{_name(ax)}: the legend covers {what}")
    return problems


# ---- plots several lessons share ---------------------------------------------------------------------

def colorbar(ax, label: str, mappable=None, **kwargs):
    """A labelled colour bar beside ``ax`` for ``mappable`` (default: the last artist of ``ax`` whose
    colour encodes a value: filled contours, image, mesh, coloured scatter or arrows). Returns the
    ``Colorbar``. Every colour that encodes a value gets one (``figure_problems`` checks); for one
    bar shared by several panels pass ``ax=[...]`` through ``kwargs`` and the mappable of one panel
    (they must share the norm, e.g. ``vmin``/``vmax``)."""
    if mappable is None:
        found = [artist for artist, _, _ in _value_coloured(ax)]
        if not found:
            raise ValueError("no artist of this plot has colour that encodes a value")
        mappable = found[-1]
    kwargs.setdefault("ax", ax)
    return ax.figure.colorbar(mappable, label=label, **kwargs)


# The last grids of values computed by ``grid_values``: an explorer redraws the same function's
# contours at every slider move (Rosenbrock's 200 x 200 grid is 40,000 calls, about 0.2 s).
_GRIDS: dict = {}
_GRIDS_KEPT = 16
_PROBES = 9  # grid points evaluated again to confirm a kept grid still holds f's values


def grid_values(f, xs, ys) -> np.ndarray:
    """``f(array([x, y]))`` at every point of the grid ``xs`` x ``ys``: array (len(ys), len(xs)).

    Kept for the same function object and grid, and reused only after ``_PROBES`` points spread over
    the grid give exactly the kept values again: a function whose globals changed since (``H`` of
    ``lambda x: quadratic(x, H)`` bound to a new matrix) gives other values there, and is computed
    again."""
    key = (id(f), float(xs[0]), float(xs[-1]), len(xs), float(ys[0]), float(ys[-1]), len(ys))
    kept = _GRIDS.get(key)
    if kept is not None and kept[0]() is f:
        Z = kept[1]
        rows = np.linspace(0, len(ys) - 1, 3).round().astype(int)
        cols = np.linspace(0, len(xs) - 1, _PROBES // 3).round().astype(int)
        probes = [(i, (j + 7 * k) % len(xs)) for k, i in enumerate(rows) for j in cols]
        if all(np.array_equal(f(np.array([xs[j], ys[i]])), Z[i, j], equal_nan=True) for i, j in probes):
            return Z.copy()
    Z = np.array([[f(np.array([x, y])) for x in xs] for y in ys])
    try:
        reference = weakref.ref(f)
    except TypeError:  # a callable that cannot be referenced weakly is not kept
        return Z
    if len(_GRIDS) >= _GRIDS_KEPT:
        _GRIDS.pop(next(iter(_GRIDS)))
    _GRIDS[key] = (reference, Z.copy())
    return Z


def contour(f, xlim=(-2.0, 2.5), ylim=(-1.0, 3.0), ax=None, levels=30, log=True, n=200, colorbar=False,
            label="f"):
    """Filled contours of a 2-d function ``f(array (2,)) -> float`` on a grid of ``n`` x ``n`` points
    of ``xlim`` x ``ylim``; returns the axes (the filled ``QuadContourSet`` is ``ax.collections[-2]``,
    the last thing it draws before the thin contour lines).

    log: colour by ``log10(f - min f + 1e-3)`` (values spanning decades, as near a minimum) instead
    of ``f``. colorbar: ``True`` adds a colour bar labelled from ``label`` (the function's name: "f",
    "loss", ...), e.g. ``log10(loss - min loss)``. Off by default because the lessons add their own
    (``fig.colorbar(ax.collections[0], ...)``, or one bar shared by several panels with
    ``colorbar(ax, "...", ax=axes)`` from this module); the figure audit catches a contour without one.
    """
    if ax is None:
        _, ax = plt.subplots()
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = grid_values(f, xs, ys)
    Zp = np.log10(Z - Z.min() + 1e-3) if log else Z
    filled = ax.contourf(X, Y, Zp, levels=levels, alpha=0.8)
    ax.contour(X, Y, Zp, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label=f"log10({label} - min {label})" if log else label)
    return ax


def trajectory(ax, path, label=None, color=None, marker="o"):
    """Draw an optimizer's path (array (n, 2)) on a contour plot, start and end marked."""
    path = np.asarray(path)
    line, = ax.plot(path[:, 0], path[:, 1], marker=marker, ms=2.5, lw=1.2, label=label, color=color)
    ax.plot(*path[0], "s", color=line.get_color(), ms=6)
    ax.plot(*path[-1], "*", color=line.get_color(), ms=10)
    return line


def quiver(grad_f, ax, xlim, ylim, n=15, colorbar=False):
    """Arrows of the negative gradient of ``grad_f(array (2,)) -> array (2,)`` on an ``n`` x ``n``
    grid (normalised length, colour = log10 of its norm); returns the ``Quiver``. The colour
    encodes a value: ``colorbar=True`` adds its labelled colour bar (or add one yourself with
    ``plt.colorbar(arrows, ax=ax, label=...)``)."""
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    G = np.array([[grad_f(np.array([x, y])) for x in xs] for y in ys])
    U, V = -G[..., 0], -G[..., 1]
    norm = np.hypot(U, V) + 1e-12
    arrows = ax.quiver(X, Y, U / norm, V / norm, np.log10(norm), cmap="magma", scale=n * 1.6)
    if colorbar:
        ax.figure.colorbar(arrows, ax=ax, label=r"$\log_{10} \|\nabla f\|$")
    return arrows
