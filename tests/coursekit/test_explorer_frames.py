"""How an explorer renders its frames (coursekit.widgets.Frames, own_figure) and the contour grids it
keeps (coursekit.plotting.grid_values): faster, and never a stale or clipped picture."""
import base64
import io

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from coursekit import plotting, widgets  # noqa: E402


def _size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def _draw(fig, title="lr=0.01", ylabel="loss"):
    fig.clear()
    ax = fig.add_subplot()
    ax.semilogy(np.geomspace(1, 1e-3, 50))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("step")
    return fig


def test_frames_keep_their_size_and_match_the_tight_box():
    frames, fig = widgets.Frames(), widgets.own_figure()
    first = frames.png(_draw(fig))
    later = frames.png(_draw(fig, "lr=0.02"))
    assert _size(first) == _size(later)
    tight = io.BytesIO()
    _draw(fig).savefig(tight, format="png", bbox_inches="tight", pad_inches=widgets.Frames.PAD)
    (w, h), (tw, th) = _size(first), _size(tight.getvalue())
    assert abs(w - tw) <= 3 and abs(h - th) <= 3, ((w, h), (tw, th))


def test_a_frame_that_outgrows_its_box_is_measured_again_not_clipped():
    frames, fig = widgets.Frames(), widgets.own_figure()
    small = frames.png(_draw(fig))
    grown = frames.png(_draw(fig, "a title of three lines\nthat grew as the slider moved\nand is now tall",
                             ylabel="a much longer label\non two lines"))
    assert _size(grown)[1] > _size(small)[1] and _size(grown)[0] > _size(small)[0]
    pixels = np.asarray(Image.open(io.BytesIO(grown)).convert("RGB"))
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    assert (edges > 245).all(), "something is drawn on the image's edge: clipped"


def test_capture_outputs_shows_an_explorers_own_figure_once_and_closes_pyplot_figures():
    fig, frames = widgets.own_figure(), widgets.Frames()
    before = plt.get_fignums()

    def render():
        plt.subplots()  # a figure pyplot manages: shown and closed
        return _draw(fig)

    outputs = widgets.capture_outputs(render, frames)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2 and plt.get_fignums() == before
    assert _size(base64.b64decode(images[1]["data"]["image/png"]))[0] > 300


def test_grid_values_are_kept_for_the_same_function_and_recomputed_when_its_globals_change():
    calls = []
    H = np.diag([1.0, 50.0])
    scope = {"H": H, "calls": calls, "np": np}
    exec("def f(x):\n    calls.append(1)\n    return 0.5 * x @ H @ x", scope)
    f = scope["f"]
    xs, ys = np.linspace(-1, 1, 30), np.linspace(-2, 2, 20)
    first = plotting.grid_values(f, xs, ys)
    assert len(calls) == 600
    again = plotting.grid_values(f, xs, ys)
    assert len(calls) == 600 + plotting._PROBES and np.array_equal(first, again)
    scope["H"] = np.diag([2.0, 50.0])  # the notebook binds H anew: the kept grid is stale
    fresh = plotting.grid_values(f, xs, ys)
    want = np.array([[0.5 * np.array([x, y]) @ scope["H"] @ np.array([x, y]) for x in xs] for y in ys])
    assert np.array_equal(fresh, want) and not np.array_equal(fresh, first)
    other = plotting.grid_values(f, xs, np.linspace(-2, 2, 21))  # another grid: computed
    assert other.shape == (21, 30)


@pytest.mark.parametrize("f", [np.linalg.norm, lambda x: float(x[0])])
def test_grid_values_of_any_callable(f):
    xs = np.linspace(0, 1, 5)
    assert np.allclose(plotting.grid_values(f, xs, xs), [[f(np.array([x, y])) for x in xs] for y in xs])


def test_a_slider_over_given_values_takes_only_those_values_and_names_a_bad_first_one():
    import ipywidgets
    from traitlets import TraitError

    sizes = widgets._slider(ipywidgets, "n_train", [10, 30, 100, 300], 30)
    assert isinstance(sizes, ipywidgets.SelectionSlider)
    assert list(sizes.options) == [10, 30, 100, 300] and sizes.value == 30
    with pytest.raises(TraitError):
        sizes.value = 50  # a value between the options is refused, never passed on to the drawing
    with pytest.raises(ValueError, match="first value 50 is not one of its options"):
        widgets._slider(ipywidgets, "n_train", [10, 30, 100, 300], 50)
    with pytest.raises(ValueError, match=r"expected \(low, high, step, value\) or \(options, value\)"):
        widgets._slider(ipywidgets, "lr", 0.1, 1.0, 0.1)
    assert isinstance(widgets._slider(ipywidgets, "depth", 1, 3, 1, 2), ipywidgets.IntSlider)
