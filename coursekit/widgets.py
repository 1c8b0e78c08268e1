"""Interactive explorers that degrade to a static figure when no widget front-end is present."""
from __future__ import annotations

from collections.abc import Callable
from itertools import product

import matplotlib.pyplot as plt

from .runtime import is_static


def _slider(widgets, name, low, high, step, value):
    """An IntSlider when every bound is an integer (batch sizes, depths), else a FloatSlider."""
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high, step, value)):
        return widgets.IntSlider(min=low, max=high, step=step, value=value, description=name,
                                 continuous_update=False)
    return widgets.FloatSlider(min=low, max=high, step=step, value=value, description=name,
                               continuous_update=False, readout_format=".3g")


def explore(draw: Callable, sliders: dict, static: dict, title: str = ""):
    """Show ``draw(ax, **values)`` with one slider per entry of ``sliders``.

    sliders: ``{"lr": (low, high, step, initial)}`` (all ints: an integer slider); static: ``{"lr": [values...]}`` the values
    drawn side by side when there is no widget front-end (reading edition, autograding).
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
            out = widgets.Output()

            def redraw(**values):
                with out:
                    out.clear_output(wait=True)
                    fig, ax = plt.subplots()
                    draw(ax, **values)
                    plt.show()

            ui = widgets.interactive(redraw, **controls)
            box = widgets.VBox([widgets.HBox(ui.children[:-1]), out])
            display(box)
            ui.update()
            return None
    combos = [dict(zip(static, values)) for values in product(*static.values())]
    fig, axes = plt.subplots(1, len(combos), figsize=(4.2 * len(combos), 3.8), squeeze=False)
    for ax, values in zip(axes[0], combos):
        draw(ax, **values)
    if title:
        fig.suptitle(title + " (static view: run the notebook for the slider)")
    fig.tight_layout()
