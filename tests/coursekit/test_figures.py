"""The figure audit (coursekit.plotting.figure_problems) catches what keeps a figure from reading
at a glance -- a missing colour bar, overlapping text, a legend over the data -- and passes a good
figure. Each detector is shown one good and one bad small figure built here (Agg, no display)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the Agg backend)
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit import plotting  # noqa: E402
from coursekit.plotting import (  # noqa: E402
    colorbar,
    colour_key_problems,
    contour,
    figure_problems,
    legend_cover,
    legend_covers_data,
    overlapping_text,
    quiver,
    twins,
)


@pytest.fixture(autouse=True)
def course_style():
    with matplotlib.rc_context(plotting.STYLE):
        yield
    plt.close("all")


def _grid():
    x = np.linspace(-2, 2, 40)
    X, Y = np.meshgrid(x, x)
    return X, Y, X ** 2 + 3 * Y ** 2


def _labelled(ax, title="A plot"):
    ax.set(title=title, xlabel="x", ylabel="y")
    return ax


# ---- colour bar --------------------------------------------------------------------------------------

@pytest.mark.parametrize("draw", ["contourf", "imshow", "pcolormesh", "scatter", "quiver"])
def test_colour_that_encodes_a_value_needs_a_colour_bar(draw):
    X, Y, Z = _grid()
    fig, ax = plt.subplots()
    _labelled(ax)
    artist = {"contourf": lambda: ax.contourf(X, Y, Z, levels=20),
              "imshow": lambda: ax.imshow(Z),
              "pcolormesh": lambda: ax.pcolormesh(X, Y, Z),
              "scatter": lambda: ax.scatter(X.ravel(), Y.ravel(), c=Z.ravel(), s=4),
              "quiver": lambda: ax.quiver(X[::4, ::4], Y[::4, ::4], 1, 1, Z[::4, ::4])}[draw]()
    problems = figure_problems(fig)
    assert [p for p in problems if "no colour bar" in p], problems
    fig.colorbar(artist, ax=ax, label="z")
    assert figure_problems(fig) == []


def test_single_colour_artists_and_pictures_need_no_colour_bar():
    X, Y, Z = _grid()
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    axes[0].contour(X, Y, Z, levels=8, colors="k")
    axes[1].scatter(X.ravel(), Y.ravel(), c="C1", s=4)
    axes[2].imshow(np.random.default_rng(0).random((8, 8, 3)))  # an RGB picture
    for ax in axes:
        _labelled(ax)
    assert colour_key_problems(fig) == []


def test_contour_lines_coloured_by_value_need_a_key_unless_labelled():
    X, Y, Z = _grid()
    fig, ax = plt.subplots()
    lines = _labelled(ax).contour(X, Y, Z, levels=8)
    assert colour_key_problems(fig)
    ax.clabel(lines, fontsize=7)
    assert colour_key_problems(fig) == []


def test_a_few_discrete_classes_may_be_named_by_a_legend():
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots()
    points, classes = rng.normal(size=(60, 2)), rng.integers(0, 3, 60)
    _labelled(ax).scatter(*points.T, c=classes, cmap="viridis", s=8)
    problems = colour_key_problems(fig)
    assert problems and "legend naming its few classes" in problems[0], problems
    for k in range(3):
        ax.plot([], [], "o", color=plt.get_cmap("viridis")(k / 2), label=f"class {k}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # outside the plot: covers nothing
    assert colour_key_problems(fig) == []


def test_a_continuous_colour_map_is_not_explained_by_a_legend():
    X, Y, Z = _grid()
    fig, ax = plt.subplots()
    _labelled(ax).contourf(X, Y, Z, levels=30)
    ax.plot([0, 1], [0, 1], label="a path")
    ax.legend()
    assert colour_key_problems(fig)


def test_one_colour_bar_may_serve_panels_that_share_its_limits():
    X, Y, Z = _grid()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    images = [_labelled(ax, f"panel {k}").imshow(Z * (k + 1) / 2, vmin=0, vmax=30) for k, ax in enumerate(axes)]
    fig.colorbar(images[0], ax=list(axes), label="z")
    assert colour_key_problems(fig) == []
    images[1].set_clim(0, 10)  # now the second panel's colours mean something else
    assert len(colour_key_problems(fig)) == 1


def test_the_course_helpers_add_their_colour_bars():
    fig, ax = plt.subplots()
    contour(lambda p: float(p[0] ** 2 + 3 * p[1] ** 2), xlim=(-2, 2), ylim=(-2, 2), ax=ax, n=30, colorbar=True)
    ax.set_title("Contours with their colour bar")
    assert figure_problems(fig) == []
    fig2, ax2 = plt.subplots()
    contour(lambda p: float(p[0] ** 2), xlim=(-2, 2), ylim=(-2, 2), ax=ax2, n=30, colorbar=False)
    arrows = quiver(lambda p: np.array([2 * p[0], 6 * p[1]]), ax2, (-2, 2), (-2, 2), n=8)
    ax2.set_title("Without bars")
    assert len(colour_key_problems(fig2)) == 1  # one message per plot
    colorbar(ax2, "log10(f - min)", mappable=ax2.collections[0])
    plt.colorbar(arrows, ax=ax2, label="log10 |grad f|")
    assert colour_key_problems(fig2) == []


def test_colorbar_finds_the_value_coloured_artist_and_refuses_a_plot_without_one():
    fig, ax = plt.subplots()
    image = ax.imshow(_grid()[2])
    bar = colorbar(ax, "z")
    assert bar.mappable is image and bar.ax.get_ylabel() == "z"
    with pytest.raises(ValueError, match="no artist"):
        colorbar(plt.subplots()[1], "z")


# ---- overlapping text --------------------------------------------------------------------------------

def test_a_suptitle_drawn_over_the_plot_titles_is_caught_and_a_laid_out_one_passes():
    def figure(layout=None, **suptitle):
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.5), layout=layout)
        for k, ax in enumerate(axes):
            _labelled(ax, f"panel {k}: its own title").plot([0, 1], [0, 1])
        fig.suptitle("A figure title long enough to span both panels", **suptitle)
        return fig

    problems = overlapping_text(figure(y=0.9))  # placed by hand, down onto the panel titles
    assert any("suptitle" in p and "title of plot" in p for p in problems), problems
    assert overlapping_text(figure("constrained")) == []  # placed by the layout engine


def test_labels_of_neighbouring_plots_that_run_into_each_other_are_caught():
    fig, axes = plt.subplots(2, 1, figsize=(5, 4))
    for k, ax in enumerate(axes):
        _labelled(ax, f"plot {k}").plot([0, 10], [0, 10])
    fig.subplots_adjust(hspace=0.05)  # the upper plot's x label lands on the lower plot and vice versa
    problems = overlapping_text(fig)
    assert any("x label of plot 1" in p and "lies on plot 2" in p for p in problems), problems
    fig.set_layout_engine("constrained")
    assert overlapping_text(fig) == []


def test_side_by_side_titles_that_are_too_long_are_caught():
    fig, axes = plt.subplots(1, 3, figsize=(9, 3), layout="constrained")
    for k, ax in enumerate(axes):
        _labelled(ax, f"learning rate {k}: a very long verdict about this run").plot([0, 1], [0, 1])
    problems = overlapping_text(fig)
    assert any("title of plot 1" in p and "title of plot 2" in p for p in problems), problems


# ---- legend over data -------------------------------------------------------------------------------

def test_a_legend_drawn_over_the_curves_is_caught_and_one_in_an_empty_corner_passes():
    t = np.linspace(0, 1, 200)
    fig, ax = plt.subplots()
    _labelled(ax)
    for k in range(3):
        ax.plot(t, 1 - t ** (k + 1) * 0.9, label=f"curve {k}")  # every curve starts high on the left
    ax.legend(loc="upper left", fontsize=9)
    assert legend_covers_data(fig), legend_cover(ax)
    ax.legend(loc="lower left", fontsize=9)  # the curves stay above 0.1: an empty corner
    fig.draw_without_rendering()
    assert legend_cover(ax)["lines"] == 0.0
    assert figure_problems(fig) == []


def test_the_threshold_is_a_fraction_of_the_drawn_length():
    fig, ax = plt.subplots()
    _labelled(ax)
    ax.plot([0, 100], [0, 0.9], label="rising")
    ax.plot([0, 100], [0.5, 0.5], label="flat")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    fig.draw_without_rendering()
    covered = legend_cover(ax)["lines"]  # the end of the rising line, under the legend
    assert 0.01 < covered < 0.2, covered
    assert legend_covers_data(fig, threshold=covered - 0.005)
    assert legend_covers_data(fig, threshold=covered + 0.005) == []


def test_markers_and_bars_under_the_legend_are_caught():
    rng = np.random.default_rng(1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    _labelled(left).plot(*rng.random((2, 300)), "o", ms=3, label="points")
    left.legend(loc="center", fontsize=14)
    _labelled(right).bar(range(3), [3, 2, 1], label="bars")
    right.legend(loc="upper right", fontsize=14, markerscale=3)
    covered = legend_covers_data(fig)
    assert any("markers" in p for p in covered) and not any("plot 2" in p for p in covered), covered
    right.legend(loc="upper right", fontsize=30)
    assert any("bars" in p and "plot 2" in p for p in legend_covers_data(fig))


# ---- twinned axes ----------------------------------------------------------------------------------

def _schedule_and_loss(note=True):
    """A twinx figure as lesson 02's schedule explorer draws it: the schedule on the left scale, the
    loss on a second (log) scale on the right, over the same steps."""
    t = np.arange(200)
    fig, ax = plt.subplots(figsize=(7, 4.4))
    ax.plot(t, 0.25 * np.minimum(1, (t + 1) / 20) * (1 + np.cos(np.pi * t / 200)) / 2, color="tab:blue")
    ax.set(title="A schedule and the run it gives", xlabel="step t", ylabel="learning rate (blue)")
    loss_ax = ax.twinx()
    loss_ax.semilogy(t, 1e2 * np.exp(-t / 15) + 1e-6, color="tab:red")
    loss_ax.set_ylabel("loss (red, log scale)")
    if note:
        ax.text(120, 0.2, "a note inside the plot")
    return fig, ax, loss_ax


def test_a_twin_axis_shares_the_drawing_area_on_purpose():
    fig, ax, loss_ax = _schedule_and_loss()
    fig.draw_without_rendering()
    assert twins(ax) == [loss_ax] and twins(loss_ax) == [ax]
    assert figure_problems(fig) == []


def test_plots_that_really_overlap_are_still_caught_even_when_they_share_an_axis():
    fig = plt.figure(figsize=(6, 4))
    first = _labelled(fig.add_axes((0.15, 0.15, 0.6, 0.6)), "first")
    second = _labelled(fig.add_axes((0.3, 0.3, 0.6, 0.6), sharex=first), "second")  # shifted: not a twin
    for ax in (first, second):
        ax.plot([0, 1], [0, 1])
    fig.draw_without_rendering()
    assert twins(first) == [] and twins(second) == []
    problems = overlapping_text(fig)
    assert any("of plot 2" in p and "lies on plot 1" in p for p in problems), problems


def test_a_legend_over_the_twins_line_is_caught():
    fig, ax = plt.subplots()
    ax.set(title="Two scales", xlabel="step", ylabel="left scale", ylim=(0, 1))
    ax.plot([0, 100], [0.1, 0.1], label="low, on the left scale")
    right = ax.twinx()
    right.set(ylabel="right scale", ylim=(0, 1))
    right.plot([0, 100], [0.9, 0.9], color="C1")  # high, on the right scale: under an upper legend
    ax.legend(loc="upper center", fontsize=14)
    fig.draw_without_rendering()
    assert legend_cover(ax)["lines"] > 0.1
    assert legend_covers_data(fig) and figure_problems(fig)
    ax.legend(loc="center", fontsize=14)  # between the two lines: covers neither
    assert figure_problems(fig) == []


# ---- the explorers' static fallback ------------------------------------------------------------------

def test_the_static_explorer_has_no_overlapping_titles(monkeypatch):
    from coursekit.widgets import explore

    monkeypatch.setenv("COURSEKIT_STATIC", "1")

    def draw(ax, lr):
        x = np.linspace(0, 1, 50)
        ax.plot(x, np.exp(-lr * 10 * x))
        ax.set(title=f"lr = {lr:.3g}: loss after 100 steps is small enough", xlabel="step", ylabel="loss")

    explore(draw, sliders={"lr": (0.01, 1.0, 0.01, 0.1)}, static={"lr": [0.01, 0.1, 0.5, 1.0]},
            title="Gradient descent at four learning rates")
    fig = plt.gcf()
    assert len(fig.axes) == 4
    assert figure_problems(fig) == []
