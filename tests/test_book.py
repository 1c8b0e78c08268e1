"""The reading-edition site (make book): built once per session from notebooks/ into a temporary
directory, then every lesson page, its figures, its math and its folded worked solutions checked."""
from __future__ import annotations

import os
import re

import nbformat
import pytest

from coursegrader.grading.protocol import nbgrader_meta
from tools import build_book
from tools.editions import NOTEBOOKS, lessons, source_path

LESSONS = lessons()
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    index = build_book.build(out)
    return index.parent


def _page(site, lesson) -> str:
    path = site / f"{lesson}.html"
    assert path.exists(), f"no page for {lesson} (is notebooks/{lesson}.ipynb there? make notebooks)"
    return path.read_text()


def _pngs(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.get("outputs", []))


def test_index_lists_every_lesson_in_course_order(site):
    missing = [lesson for lesson in LESSONS if not (NOTEBOOKS / f"{lesson}.ipynb").exists()]
    assert not missing, f"lessons without a reading edition (make notebooks): {missing}"
    index = (site / "index.html").read_text()
    linked = list(dict.fromkeys(re.findall(r'href="(\d\d_[a-z0-9_]+)\.html"', index)))
    assert linked == LESSONS
    nav = index.split('class="bd-sidebar-primary', 1)[1]
    assert list(dict.fromkeys(re.findall(r'href="(\d\d_[a-z0-9_]+)\.html"', nav))) == LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_shows_every_figure(site, lesson):
    page = _page(site, lesson)
    nb = nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)
    title = next(line[2:] for c in nb.cells if c.cell_type == "markdown"
                 for line in c.source.splitlines() if line.startswith("# "))
    assert re.sub(r"\s+", " ", title.replace("`", "")).split(" ")[0] in page
    images = re.findall(r'<img[^>]*src="(_images/[^"]+\.png)"', page)
    assert len(images) >= max(_pngs(nb), 2), f"{len(images)} images on the page, {_pngs(nb)} in the notebook"
    for src in images:
        assert (site / src).stat().st_size > 1000, f"{src} is missing or empty"
    assert "Traceback" not in page, "the page shows an error"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_has_math_and_folded_worked_solutions(site, lesson):
    page = _page(site, lesson)
    assert page.count('class="math') >= 3, "no rendered math"
    assert 'src="_static/mathjax/tex-chtml.js"' in page and (site / "_static/mathjax/tex-chtml.js").exists(), \
        "MathJax is not served from the site"
    src = nbformat.read(source_path(lesson), as_version=4)
    solutions = [c for c in src.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]
    blocks = re.findall(r'<details class="[^"]*hide above-input">\s*<summary[^>]*>(.*?)</summary>(.*?)</details>',
                        page, re.S)
    folded = [body for summary, body in blocks if build_book.SOLUTION_PROMPT in summary]
    assert len(folded) == len(solutions), f"{len(folded)} folded worked solutions, {len(solutions)} exercises"
    for cell, body in zip(solutions, folded):
        name = re.search(r"def\s+(\w+)", cell.source)
        if name:
            assert name.group(1) in re.sub(r"<[^>]+>", "", body), f"{name.group(1)} is not in its fold"


@pytest.mark.parametrize("lesson", LESSONS)
def test_reading_edition_prints_no_warnings(lesson):
    nb = nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)
    stderr = [(i, o.get("text", "")[:200]) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"notebooks/{lesson}.ipynb shows stderr output (warnings, progress bars): {stderr}"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent (bash .ci/system-packages)")
def test_math_and_figures_render_in_a_browser_without_network(site):
    from playwright.sync_api import sync_playwright

    lesson = LESSONS[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.route("http*://**", lambda route: route.abort())  # the site must not need the network
            page.goto((site / f"{lesson}.html").as_uri())
            page.wait_for_function("document.querySelectorAll('mjx-container').length > 5", timeout=30_000)
            sizes = page.locator("img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
            assert sizes and all(w > 100 for w in sizes if w), sizes
            fold = page.locator("details.above-input").first
            assert not fold.evaluate("d => d.open"), "worked solutions should start folded"
            fold.locator("summary").click()
            assert fold.evaluate("d => d.open")
        finally:
            browser.close()
