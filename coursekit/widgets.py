"""Interactive explorers that degrade to a static figure when no widget front-end is present.

Why an explorer never writes into its ``Output`` widget with ``with out:`` (and does not use
``ipywidgets.interactive``, which does so internally): a kernel-side ``with out:`` sets the widget's
``msg_id``, and then every output of the cell is routed to the widget by the *front end*. A headless
client (nbclient 0.10-0.11, hence ``jupyter nbconvert --execute``, papermill and ``make bench``)
mimics that front end in ``nbclient/output_widget.py``: for each such output it sends the widget's
whole new state back to the kernel as a ``comm_msg`` on the *shell* socket -- for a figure about
180 kB -- from the task that reads IOPub, while another task awaits the cell's ``execute_reply`` on
that same ``zmq.asyncio`` socket. When the reply arrives while that send is in progress, the
asyncio poll is not woken: the reply sits unread in the client's socket and is picked up only when
the poll's own timeout fires, so the cell "hangs" for the whole cell timeout (lesson 05, race
explorer: kernel sent ``execute_reply`` 1 ms after the client's 183 kB ``comm_msg``, client received
it 25 s later, at its 25 s timeout; a notebook writing 180 kB into an Output widget in each of 60
cells had 7 cells answered only at the timeout, 0 of 60 without the widget; nbclient issue 312).

So explorers draw in the kernel, capture what the drawing prints and shows, and replace the
widget's ``outputs`` in one state update sent by the kernel (``show_in``). The front end (JupyterLab
or nbclient's mimic) only receives that update and sends nothing back; JupyterLab renders the new
outputs exactly as before, without the flicker of clear-then-draw.

Why an explorer renders its figures itself (:class:`Frames`) instead of ``display(fig)``: IPython's
inline backend saves a figure with ``bbox_inches="tight"``, which lays the whole figure out once to
measure it, then draws it: on lesson 04's ravine about 0.07 of 0.21 CPU-s per slider move, and more
on figures with log axes (each tick label measured twice). A slider moves the same figure's data, so
an explorer measures its figure once, keeps that box (a little padded), and draws later figures of the
same shape straight into it: one draw, a PNG encoded fast, and an image that keeps its size while the
slider moves. A drawing that reaches the box's edge is measured again.
"""
from __future__ import annotations

import base64
import io
import math
import traceback
from collections.abc import Callable
from itertools import product

import matplotlib.pyplot as plt
import numpy as np

from .runtime import is_static


def _slider(widgets, name, *spec):
    """The control of one ``sliders`` entry: ``(low, high, step, value)`` gives an IntSlider when every
    bound is an integer (batch sizes, depths), else a FloatSlider; ``(options, value)``, a list of the
    values it may take and the first one shown, gives a SelectionSlider over them (sizes on a log grid)."""
    if len(spec) == 2 and isinstance(spec[0], (list, tuple)):
        options, value = list(spec[0]), spec[1]
        if value not in options:
            raise ValueError(f"slider {name!r}: its first value {value!r} is not one of its options {options}")
        return widgets.SelectionSlider(options=options, value=value, description=name, continuous_update=False)
    if len(spec) != 4:
        raise ValueError(f"slider {name!r}: expected (low, high, step, value) or (options, value), got {spec!r}")
    low, high, step, value = spec
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high, step, value)):
        return widgets.IntSlider(min=low, max=high, step=step, value=value, description=name,
                                 continuous_update=False)
    return widgets.FloatSlider(min=low, max=high, step=step, value=value, description=name,
                               continuous_update=False, readout_format=".3g")


def _error_output(exc: BaseException) -> dict:
    """An nbformat ``error`` output for ``exc`` (IPython's coloured traceback when available)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        lines = shell.InteractiveTB.structured_traceback(type(exc), exc, exc.__traceback__) if shell else None
    except Exception:  # a traceback formatter failing must not hide the original error
        lines = None
    if lines is None:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc), "traceback": list(lines)}


class Frames:
    """The PNG images of one explorer's figures, each drawn once into a box measured on the first
    figure of its shape (see the module docstring). ``PAD``: inches of slack kept around the measured
    box, for a tick label or title that grows a little as a slider moves."""

    PAD = 0.12

    def __init__(self):
        self.boxes: dict = {}  # figure shape -> Bbox in inches, on the pixel grid

    def png(self, fig) -> bytes:
        from matplotlib.transforms import Bbox

        key = (tuple(np.round(fig.get_size_inches(), 3)), fig.dpi, len(fig.axes))
        box = self.boxes.get(key)
        if box is not None:
            pixels = self._pixels(fig, box)
            if pixels is not None and not _touches_edge(pixels, fig):
                return _encode(pixels)
        fig.draw_without_rendering()
        tight = fig.get_tightbbox(fig.canvas.get_renderer())
        box = self.boxes[key] = _on_grid(Bbox.from_extents(tight.x0 - self.PAD, tight.y0 - self.PAD,
                                                           tight.x1 + self.PAD, tight.y1 + self.PAD), fig.dpi)
        pixels = self._pixels(fig, box)
        if pixels is None:  # pragma: no cover - an unexpected buffer size: matplotlib's own PNG
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", bbox_inches=box, dpi=fig.dpi)
            return buffer.getvalue()
        return _encode(pixels)

    @staticmethod
    def _pixels(fig, box) -> np.ndarray | None:
        """The figure drawn into ``box`` (one draw) as an RGBA array (height, width, 4)."""
        from matplotlib.layout_engine import PlaceHolderLayoutEngine

        if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
            fig.set_layout_engine(None)  # left by tight_layout(), lays out nothing; savefig would measure for it
        buffer = io.BytesIO()
        fig.savefig(buffer, format="rgba", bbox_inches=box, dpi=fig.dpi)
        width, height = round(box.width * fig.dpi), round(box.height * fig.dpi)
        data = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
        return data.reshape(height, width, 4) if data.size == width * height * 4 else None


def _on_grid(box, dpi: float):
    """``box`` (inches) widened to whole pixels, so that its size in pixels is exact."""
    from matplotlib.transforms import Bbox

    x0, y0 = math.floor(box.x0 * dpi) / dpi, math.floor(box.y0 * dpi) / dpi
    x1, y1 = math.ceil(box.x1 * dpi) / dpi, math.ceil(box.y1 * dpi) / dpi
    return Bbox.from_extents(x0, y0, x1, y1)


def _touches_edge(pixels: np.ndarray, fig) -> bool:
    """Whether something is drawn on the outermost pixels: the drawing may go past the box."""
    from matplotlib.colors import to_rgba_array

    background = (to_rgba_array(fig.get_facecolor())[0] * 255).round().astype(np.uint8)
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return bool(np.any(np.abs(edges.astype(np.int16) - background) > 8))


def _encode(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGBA").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def capture_outputs(render: Callable[[], object], frames: Frames | None = None) -> list[dict]:
    """Run ``render()`` and return what it produced as nbformat outputs (dicts), in order:
    its printed text (``stream``: stdout, then stderr), what it displayed, then every matplotlib
    figure it opened (``display_data``, those figures closed afterwards) and the figure it returned,
    if it returns one that pyplot does not manage (an explorer's own figure, kept), or an ``error``
    output if it raised. Figures that were open before the call are left alone (the cell shows them).
    ``frames``: an explorer's :class:`Frames`, which renders its figures (else IPython does)."""
    from IPython.display import display
    from IPython.utils.capture import capture_output
    from matplotlib.figure import Figure

    def image(fig) -> None:
        if frames is None:
            display(fig)
        else:
            images.append({"output_type": "display_data", "metadata": {}, "data": {
                "image/png": base64.b64encode(frames.png(fig)).decode("ascii"), "text/plain": repr(fig)}})

    before = set(plt.get_fignums())
    error, images = None, []
    with capture_output() as captured:
        try:
            returned = render()
            opened = [plt.figure(number) for number in plt.get_fignums() if number not in before]
            for fig in opened:
                image(fig)
                plt.close(fig)
            if isinstance(returned, Figure) and returned not in opened and returned.canvas.manager is None:
                image(returned)
        except Exception as exc:  # shown in the widget, as a front end would show it
            error = exc
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
    outputs = [{"output_type": "stream", "name": name, "text": text}
               for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)) if text]
    outputs += [{"output_type": "display_data", "data": shown.data, "metadata": shown.metadata or {}}
                for shown in captured.outputs]
    outputs += images
    if error is not None:
        outputs.append(_error_output(error))
    return outputs


def own_figure():
    """A figure of the course's style that pyplot does not manage: an explorer draws every frame in the
    same one (cleared), so its canvas, and the renderer's caches of text sizes and parsed math (a log
    axis's tick labels), are kept from frame to frame; the cell never shows it by itself."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    return fig


# every live explorer made in this kernel, as (its controls, its Output): what ``move_every_control``
# drives. An explorer draws with the notebook's globals at the time the slider moves, so a later cell
# that rebinds a name the drawing uses breaks it only then; this lets a test move every control after
# the whole notebook ran, as a student does.
_LIVE: list = []


def register_live(controls: list, out) -> None:
    """Record a live explorer's controls and Output for :func:`move_every_control`."""
    _LIVE.append((list(controls), out))


def move_every_control() -> list[str]:
    """Move every control of every live explorer of this kernel to its other end (sliders: max, then
    min; option lists: the last option) and return what went wrong: an explorer whose Output then
    holds an error, or no figure. ``[]`` when every redraw worked."""
    problems = []
    for k, (controls, out) in enumerate(_LIVE):
        for control in controls:
            if hasattr(control, "max") and hasattr(control, "min"):
                targets = [control.max, control.min]
            elif getattr(control, "options", None):
                last = list(control.options)[-1]
                last = last[1] if isinstance(last, tuple) else last
                targets = [(last,) if isinstance(control.value, tuple) else last]
            else:
                continue
            for value in targets:
                control.value = value
                kinds = [o.get("output_type") for o in out.outputs]
                errors = [o for o in out.outputs if o.get("output_type") == "error"]
                if errors:
                    problems.append(f"explorer {k}, {control.description}={value}: "
                                    f"{errors[0].get('ename')}: {errors[0].get('evalue')}")
                elif not any("image/png" in o.get("data", {}) for o in out.outputs):
                    problems.append(f"explorer {k}, {control.description}={value}: no figure ({kinds})")
    return problems


def show_in(out, render: Callable[[], object], frames: Frames | None = None) -> None:
    """Replace what the ``ipywidgets.Output`` ``out`` shows by the outputs of ``render()``
    (``capture_outputs``, its figures rendered by ``frames`` when given), in one kernel-side state
    update: no ``with out:``, see the module docstring for why."""
    out.outputs = tuple(capture_outputs(render, frames))


def fit_titles(fig, axes) -> None:
    """Give the panel titles of ``axes`` one font size (at most their own, at least 7 pt) at which
    each fits the width of its panel as laid out, so side-by-side titles never run into each other
    and the panels still look alike."""
    titles = [ax.title for ax in axes if ax.title.get_text()]
    if not titles:
        return
    size = min(t.get_fontsize() for t in titles)
    while size > 7:
        for t in titles:
            t.set_fontsize(size)
        fig.draw_without_rendering()  # the layout engine (colour bars, suptitle) sets the widths
        if all(t.get_window_extent().width <= t.axes.get_window_extent().width for t in titles):
            return
        size -= 0.5
    for t in titles:
        t.set_fontsize(7)


def explore(draw: Callable, sliders: dict, static: dict, title: str = ""):
    """Show ``draw(ax, **values)`` with one slider per entry of ``sliders``.

    sliders: ``{"lr": (low, high, step, initial)}`` (all ints: an integer slider) or ``{"n": ([10, 30, 100], 30)}``
    (a slider over those values only); static: ``{"lr": [values...]}`` the values
    drawn side by side when there is no widget front-end (reading edition, autograding).
    title: the static figure's title, above the panels (their own titles, set by ``draw``, stay;
    a panel title wider than its panel is shrunk).
    Displays the explorer and returns nothing (so a trailing call does not display it twice).
    """
    if not is_static():
        try:
            import ipywidgets as widgets
            from IPython.display import display
        except ImportError:  # pragma: no cover - ipywidgets is a dependency
            pass
        else:
            controls = {name: _slider(widgets, name, *spec) for name, spec in sliders.items()}
            out, frames, fig = widgets.Output(), Frames(), own_figure()

            def render():
                fig.clear()
                draw(fig.add_subplot(), **{name: control.value for name, control in controls.items()})
                return fig

            for control in controls.values():
                control.observe(lambda _change: show_in(out, render, frames), names="value")
            register_live(controls.values(), out)
            display(widgets.VBox([widgets.HBox(list(controls.values())), out]))
            show_in(out, render, frames)
            return None
    combos = [dict(zip(static, values)) for values in product(*static.values())]
    fig, axes = plt.subplots(1, len(combos), figsize=(4.2 * len(combos), 3.8), squeeze=False, layout="constrained")
    for ax, values in zip(axes[0], combos):
        draw(ax, **values)
    if title:
        fig.suptitle(f"{title}\n(static view: run the notebook for the slider)", fontsize=11)
    fit_titles(fig, axes[0])
