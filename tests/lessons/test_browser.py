"""What a student sees: JupyterLab in a real browser (headless Debian Chromium, driven by Playwright).

A JupyterLab server from this environment runs on a free local port with a throw-away settings and
workspace directory; the student notebook release/01_gradients/01_gradients.ipynb is opened
(1) as shipped, where "Run All" stops at the first visible check with the harness's message, and
(2) as a student's completed copy (the source solutions pasted into the stubs), where every cell
runs, the figures show, the explorer's slider redraws its figure when dragged, and a wrong answer
typed into an exercise gets the harness's message naming the likely mistake. A second lesson with
an explorer (02, the learning-rate slider) runs completed, and its slider redraws its figure too.

Screenshots are saved in build/test-artifacts/browser/ (or $BROWSER_ARTIFACTS).
Needs /usr/bin/chromium (Debian's `chromium`, installed by .ci/system-packages); skipped without it.
Never downloads a browser.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import time

import nbformat
import pytest

from coursegrader.grading.cellflow import needed_cells
from testkit.students import filled_release
from tools.editions import ROOT, lessons

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (bash .ci/system-packages) "
                "to run the browser tests", allow_module_level=True)

from browserkit import (  # noqa: E402
    ARTIFACTS,
    chromium,
    lab_page,
    lab_server,
    open_notebook,
)
from browserkit import VISIBLE_NOTEBOOK as VISIBLE  # noqa: E402
from browserkit import menu as _menu  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

# the explorer-budget test asserts its times only at a low load; the others drive a browser against
# timeouts: `make test` runs the module alone, after the parallel phase
pytestmark = pytest.mark.serial

LESSON = "01_gradients"
# a second lesson with an explorer: the learning-rate slider of lesson 02
WIDGET_LESSON = "02_gradient_descent"
# the harness's message for the planted wrong answer (coursekit/exercises/l01_gradients.py, "b100")
WRONG_ROSENBROCK = '''def rosenbrock(x, a=1.0, b=1.0):
    """Rosenbrock's function, with b hard-coded (a wrong answer)."""
    return float((a - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2)'''
RUN_TIMEOUT = 120


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port serving copies of the lessons' student notebooks: lessons 01
    and 02 as handed out and completed, and every lesson's explorers (:func:`explorer_notebook`)."""
    root = tmp_path_factory.mktemp("lab")
    for lesson in lessons():
        work = root / "course" / lesson
        shutil.copytree(ROOT / "release" / lesson, work)  # the student's folder, as handed out
        release = nbformat.read(work / f"{lesson}.ipynb", as_version=4)
        if lesson in (LESSON, WIDGET_LESSON):
            nbformat.write(filled_release(lesson, release), str(work / f"{lesson}_completed.ipynb"))
        nbformat.write(explorer_notebook(lesson, release), str(work / f"{lesson}_explorers.ipynb"))
    with lab_server(root / "course", root) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's screenshots only
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, lab):
    with lab_page(browser, lab) as pg:
        yield pg


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _open(page, lab, name, lesson=LESSON):
    return open_notebook(page, lab, f"{lesson}/{name}")


def _run_all(page, cells):
    """Run > Run All Cells, and make sure the kernel received it (a cell got a number or [*])."""
    for attempt in range(3):
        cells.first.click()  # the notebook is the active widget
        _menu(page, "Run", "Run All Cells")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(p.strip() not in ("", "[ ]:") for p in cells.locator(".jp-InputArea-prompt").all_inner_texts()):
                return
            page.wait_for_timeout(200)
        _shot(page, f"run_all_not_started_{attempt}")
    pytest.fail("Run All Cells did not start the notebook")


def _wait_until_done(page, cells):
    """Wait until no cell is running or queued ([*]) and the kernel is idle."""
    deadline = time.monotonic() + RUN_TIMEOUT
    page.wait_for_timeout(500)
    while time.monotonic() < deadline:
        prompts = cells.locator(".jp-InputArea-prompt").all_inner_texts()
        status = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator") \
            .get_attribute("data-status")
        if not any("*" in p for p in prompts) and status == "idle":
            return prompts
        page.wait_for_timeout(250)
    pytest.fail(f"cells still running after {RUN_TIMEOUT} s")


def _error_text(cell) -> str:
    return "\n".join(cell.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts())


def _drag_slider_and_see_the_figure_change(page, shot, name=None):
    """The first explorer on the page: a real ipywidgets slider whose Output holds a figure; dragging
    the slider's handle across the track changes its value and redraws the figure."""
    widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox") \
        .filter(has=page.locator(".widget-hslider")).first
    widget.evaluate("e => e.scrollIntoView({block: 'center'})")
    slider = widget.locator(".widget-hslider").first
    expect(slider).to_be_visible()
    if name:
        assert name in slider.inner_text()
    readout = slider.locator(".widget-readout")
    figure = widget.locator(".widget-output img")
    expect(figure).to_have_count(1, timeout=30_000)
    before_src, before_value = figure.get_attribute("src"), readout.inner_text()
    _shot(page, f"{shot}_widget_before")

    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    target = 0.1 if hb["x"] + hb["width"] / 2 > tb["x"] + 0.3 * tb["width"] else 0.9
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + target * tb["width"], hb["y"] + hb["height"] / 2, steps=10)
    page.mouse.up()
    expect(readout).not_to_have_text(before_value, timeout=10_000)

    def number(text):  # the readout writes a Unicode minus sign
        return float(text.replace("\u2212", "-"))
    moved = number(readout.inner_text()) - number(before_value)
    assert (moved < 0) == (target < 0.5), (before_value, readout.inner_text())
    deadline = time.monotonic() + 30
    while figure.count() != 1 or figure.get_attribute("src") == before_src:
        if time.monotonic() > deadline:
            _shot(page, f"{shot}_widget_not_redrawn")
        assert time.monotonic() < deadline, "dragging the slider did not redraw the figure"
        page.wait_for_timeout(200)
    assert figure.evaluate("i => i.naturalWidth") > 100
    assert not _error_text(widget), _error_text(widget)
    _shot(page, f"{shot}_widget_after_drag")


def _assert_ran_clean(page, cells, prompts, min_images=3):
    assert all(p.strip()[1:-2].isdigit() for p in prompts if p.strip()), f"some code cell did not run: {prompts}"
    errors = {i: _error_text(cells.nth(i))[:300] for i in range(cells.count()) if _error_text(cells.nth(i))}
    assert not errors, f"the completed notebook shows errors or warnings: {errors}"
    images = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img")
    assert images.count() >= min_images, f"{images.count()} images displayed"
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    assert all(w > 100 and h > 100 for w, h in sizes), sizes


def test_shipped_notebook_stops_at_the_first_check_with_the_harness_message(page, lab):
    cells = _open(page, lab, f"{LESSON}.ipynb")
    _run_all(page, cells)
    prompts = _wait_until_done(page, cells)
    errors = [i for i in range(cells.count()) if _error_text(cells.nth(i))]
    assert errors, "running the untouched student notebook raised nothing"
    first = cells.nth(errors[0])
    first.scroll_into_view_if_needed()
    _shot(page, "01_release_as_shipped_run_all")
    text = _error_text(first)
    assert 'check("rosenbrock", rosenbrock)' in first.locator(".jp-InputArea").inner_text()
    assert "rosenbrock: visible check failed" in text, text
    assert "not done yet" in text, text
    assert prompts[errors[0] + 1].strip() in ("[ ]:", ""), "Run All went on past the failed check"


def test_completed_notebook_runs_shows_figures_and_a_live_widget_and_catches_a_wrong_answer(page, lab):
    cells = _open(page, lab, f"{LESSON}_completed.ipynb")
    _run_all(page, cells)
    prompts = _wait_until_done(page, cells)
    _assert_ran_clean(page, cells, prompts)
    _shot(page, "01_completed_top")

    _drag_slider_and_see_the_figure_change(page, "01", "log10_eps")

    # a wrong answer typed into exercise 1: the visible check names the likely mistake
    solution = next(i for i in range(cells.count()) if "def rosenbrock(x" in cells.nth(i).inner_text())
    check_cell = cells.nth(solution + 1)
    editor = cells.nth(solution).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(WRONG_ROSENBROCK)
    page.keyboard.press("Shift+Enter")   # run the solution cell, move to the check
    page.keyboard.press("Shift+Enter")   # run the visible check
    _wait_until_done(page, cells)
    expect(check_cell.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(1)
    text = _error_text(check_cell)
    check_cell.scroll_into_view_if_needed()
    _shot(page, "01_wrong_answer_message")
    assert "rosenbrock: visible check failed" in text, text
    assert "expected" in text and "received" in text, text
    assert "likely mistake: b is hard-coded to 100" in text, text


def test_a_second_lesson_runs_in_the_browser_and_its_explorer_reacts(page, lab):
    cells = _open(page, lab, f"{WIDGET_LESSON}_completed.ipynb", WIDGET_LESSON)
    _run_all(page, cells)
    prompts = _wait_until_done(page, cells)
    _assert_ran_clean(page, cells, prompts)
    _drag_slider_and_see_the_figure_change(page, WIDGET_LESSON[:2])


def test_lesson_02_schedule_explorer_redraws_when_its_warmup_slider_is_dragged(page, lab):
    """Lesson 02's second explorer (warm-up + cosine, issue 11): a real ipywidgets slider labelled
    "warmup"; dragging its handle changes the readout and redraws the schedule and its run."""
    cells = _open(page, lab, f"{WIDGET_LESSON}_completed.ipynb", WIDGET_LESSON)
    _run_all(page, cells)
    _wait_until_done(page, cells)
    widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox") \
        .filter(has=page.locator(".widget-hslider", has_text="min_lr")).first
    widget.evaluate("e => e.scrollIntoView({block: 'center'})")
    slider = widget.locator(".widget-hslider", has_text="warmup").first
    expect(slider).to_be_visible()
    readout, figure = slider.locator(".widget-readout"), widget.locator(".widget-output img")
    expect(figure).to_have_count(1, timeout=30_000)
    before_src, before_value = figure.get_attribute("src"), readout.inner_text()
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + 0.8 * tb["width"], hb["y"] + hb["height"] / 2, steps=10)
    page.mouse.up()
    expect(readout).not_to_have_text(before_value, timeout=10_000)
    assert int(readout.inner_text()) > int(before_value), (before_value, readout.inner_text())
    deadline = time.monotonic() + 30
    while figure.count() != 1 or figure.get_attribute("src") == before_src:
        assert time.monotonic() < deadline, "dragging the warmup slider did not redraw the figure"
        page.wait_for_timeout(200)
    assert figure.evaluate("i => i.naturalWidth") > 100
    assert not _error_text(widget), _error_text(widget)
    _shot(page, "02_schedule_explorer_after_drag")


# --- explorers respond: slider released to figure redrawn --------------------------------------------

EXPLORER = re.compile(r"\bexplore\(|\brace_explorer\(")
RESPONSE_BUDGET_S = 0.3  # slider released -> redrawn figure on screen, each explorer (issue 28)
# The budget is asserted on a machine whose load (1-minute average) leaves a core for the kernel and
# one for the browser; on a busier one the times are measured and reported only (a shared 2-core
# machine at load 10 triples them: that says nothing about the explorers).
QUIET_LOAD = 2.0


def explorer_notebook(lesson, release_nb):
    """The completed student notebook cut to its explorers: each cell that makes one, and the cells
    those read names from (the grader's own analysis, coursegrader.grading.cellflow), so that a test
    reaches the sliders in seconds."""
    nb = filled_release(lesson, release_nb)
    cells = [dict(c, metadata={k: v for k, v in c.metadata.items() if k != "nbgrader"}) for c in nb.cells]
    for cell in cells:
        if cell["cell_type"] == "code" and EXPLORER.search(cell["source"]):
            cell["metadata"]["nbgrader"] = {"locked": True}  # a cell the analysis must keep
    keep = needed_cells(cells, cells)  # the notebook analysed as its own lesson: every cell unchanged
    nb.cells = [c for i, c in enumerate(nb.cells) if i in keep]
    return nb


# In the page: when the mouse button is released, and when the explorer's Output next shows a new
# image, decoded and painted (the frame after it).
_ARM = """(widget) => {
    const out = widget.querySelector(':scope > .widget-output');
    const timing = {before: out.querySelector('img') && out.querySelector('img').src};
    widget.__timing = timing;
    document.addEventListener('mouseup', () => { timing.up = performance.now(); }, {capture: true, once: true});
    const seen = new MutationObserver(async () => {
        const img = out.querySelector('img');
        if (!img || img.src === timing.before || timing.changed) return;
        timing.changed = true;
        seen.disconnect();
        try { await img.decode(); } catch (e) {}
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        timing.shown = performance.now();
    });
    seen.observe(out, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""


def _drag_and_time(page, widget, slider, target: float) -> float:
    """Drag the slider's handle to ``target`` (a fraction of its track); seconds from the release of the
    mouse button to the redrawn figure on screen."""
    widget.evaluate(_ARM)
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-target")
    hb, tb = handle.bounding_box(), track.bounding_box()
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + target * tb["width"], hb["y"] + hb["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_function("w => w.__timing && w.__timing.shown", arg=widget.element_handle(), timeout=60_000)
    timing = widget.evaluate("w => w.__timing")
    return (timing["shown"] - timing["up"]) / 1000


@pytest.mark.parametrize("lesson", [lesson for lesson in lessons() if EXPLORER.search(
    (ROOT / "source" / lesson / f"{lesson}.ipynb").read_text())])
def test_every_explorer_redraws_within_the_budget(page, lab, lesson):
    """Every slider of every explorer of the lesson, dragged to the other side of its track and back:
    the time from the mouse button's release to the redrawn figure on screen (median of the drags)
    is within RESPONSE_BUDGET_S. Each time is written to explorer_response.json beside the
    screenshots, with the machine's load."""
    load = os.getloadavg()[0]
    cells = _open(page, lab, f"{lesson}_explorers.ipynb", lesson)
    _run_all(page, cells)
    prompts = _wait_until_done(page, cells)
    _assert_ran_clean(page, cells, prompts, min_images=1)
    explorers = page.locator(f"{VISIBLE} .jp-OutputArea-output .widget-vbox:has(> .widget-output img)")
    assert explorers.count() >= 1, "no explorer on the page"
    times = {}
    for k in range(explorers.count()):
        widget = explorers.nth(k)
        widget.evaluate("e => e.scrollIntoView({block: 'center'})")
        sliders = widget.locator(".widget-hslider")
        for j in range(sliders.count()):
            slider = sliders.nth(j)
            name = slider.locator(".widget-label").inner_text().strip() or f"slider {j}"
            hb, tb = slider.locator(".noUi-handle").bounding_box(), slider.locator(".noUi-target").bounding_box()
            start = (hb["x"] + hb["width"] / 2 - tb["x"]) / tb["width"]
            far, near = (0.15, 0.8) if start > 0.5 else (0.85, 0.2)
            times[f"explorer {k + 1}, {name}"] = [_drag_and_time(page, widget, slider, target)
                                                 for target in (far, near, far)]
            assert not _error_text(widget), _error_text(widget)
        _shot(page, f"{lesson}_explorer_{k + 1}_after_drags")
    medians = {key: statistics.median(ts) for key, ts in times.items()}
    _record_response(lesson, times, load)
    print(f"\n{lesson} (load {load:.2f}): " + ", ".join(f"{k}: {v:.3f} s" for k, v in medians.items()))
    if load <= QUIET_LOAD:
        slow = {key: round(m, 3) for key, m in medians.items() if m > RESPONSE_BUDGET_S}
        assert not slow, f"explorers slower than {RESPONSE_BUDGET_S} s from release to figure: {slow}"


def _record_response(lesson, times, load):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "explorer_response.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[lesson] = {"load": round(load, 2), "seconds": {k: [round(t, 3) for t in ts] for k, ts in times.items()}}
    path.write_text(json.dumps(data, indent=1))
