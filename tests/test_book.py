"""The reading-edition site (make book): built once per session from notebooks/ into a temporary
directory, then every lesson page, its figures, its math and its folded worked solutions checked."""
from __future__ import annotations

import os
import pathlib
import re

import nbformat
import pytest

from tools import build_book
from tools.editions import NOTEBOOKS, ROOT, lessons, nbgrader_meta, source_path

LESSONS = lessons()
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = pathlib.Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "build" / "test-artifacts" / "browser"))


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


# In the page, after MathJax typeset it: what a reader would see wrong.
_SITE_PROBLEMS = r"""() => {
    const found = {errors: [], backslashes: [], tex_in_text: [], cut: [], claims: 0, raw_claims: []};
    for (const c of document.querySelectorAll('mjx-container')) {
        if (c.querySelector('mjx-merror') || c.hasAttribute('data-mjx-error')) {
            found.errors.push(c.textContent.slice(0, 80));
        }
    }
    const typeset = window.MathJax && MathJax.startup && MathJax.startup.document ? MathJax.startup.document.math : [];
    for (const item of typeset) {  // the typeset MathML: \text{fan\_in} without textmacros
        const mml = MathJax.startup.toMML(item.root);
        if (mml.includes('<merror')) found.errors.push(item.math.slice(0, 80));
        for (const m of mml.matchAll(/<mtext[^>]*>([^<]*)<\/mtext>/g)) {
            if (m[1].includes('\\')) found.tex_in_text.push(m[1]);
        }
    }
    const prose = document.querySelector('main') || document.body;
    const walk = document.createTreeWalker(prose, NodeFilter.SHOW_TEXT);
    for (let node; (node = walk.nextNode());) {
        const el = node.parentElement;
        if (el.closest('pre, code, mjx-container, script, style, .highlight') || !el.offsetParent) continue;
        const m = node.textContent.match(/\\([A-Za-z]+|[_{}$,;])/);
        if (m) found.backslashes.push(node.textContent.trim().slice(0, 100));
    }
    for (const c of document.querySelectorAll('mjx-container[display="true"]')) {
        if (c.scrollWidth <= c.clientWidth + 1) continue;
        const style = getComputedStyle(c);
        const scrolls = ['auto', 'scroll'].includes(style.overflowX);
        const bar = c.offsetHeight - c.clientHeight >= 4;  // a scroll bar drawn below it
        const shadow = style.backgroundAttachment.includes('local') && style.backgroundImage.includes('gradient');
        if (!(scrolls && bar && shadow)) {
            found.cut.push({math: c.textContent.slice(0, 60), overflow: style.overflowX,
                            bar: c.offsetHeight - c.clientHeight, shadow});
        }
    }
    for (const out of document.querySelectorAll('.cell_output')) {
        for (const el of out.querySelectorAll('p, pre')) {
            const text = el.textContent.trim();
            if (!/^[\u2713\u2717] /.test(text)) continue;
            found.claims++;
            const clone = el.cloneNode(true);
            clone.querySelectorAll('mjx-container, code').forEach(m => m.remove());
            if (/\$|\\[A-Za-z]+/.test(clone.textContent)) found.raw_claims.push(text.slice(0, 120));
        }
    }
    return found;
}"""


def _typeset(page, path) -> None:
    """Open a page of the site and wait until MathJax has typeset it (a page without math loads none)."""
    page.goto(path.as_uri())
    page.wait_for_function("!document.querySelector('script[src*=mathjax]') || "
                           "(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=30_000)
    page.evaluate("window.MathJax && MathJax.startup ? MathJax.startup.promise : null")


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is absent (bash .ci/system-packages)")
def test_every_pages_math_renders_and_wide_equations_scroll_visibly(site):
    """Every page of the site in Chromium (scroll bars drawn, as on a desktop), after MathJax typeset it:
    no MathJax error, no TeX left for a reader (a backslash in the prose, \\text{fan\\_in} drawn with
    its backslash), every display equation wider than the column scrollable with a visible scroll bar
    and a shadow on the side that has more, and every claim line typeset (no raw $ or TeX command).

    Before: 46 \\text{..\\_..} drawn with the backslash (no textmacros), lesson 09's paragraph of math
    after an inline $$...$$ shown as TeX, display equations cut at the column's edge with no sign."""
    from browserkit import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    pages = ["index.html"] + [f"{lesson}.html" for lesson in LESSONS]
    problems, claims = {}, 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    ignore_default_args=["--hide-scrollbars"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.route("http*://**", lambda route: route.abort())
            for name in pages:
                _typeset(page, site / name)
                found = page.evaluate(_SITE_PROBLEMS)
                claims += found.pop("claims")
                bad = {k: v for k, v in found.items() if v}
                if bad:
                    problems[name] = bad
            _typeset(page, site / "04_momentum.html")
            wide = page.locator('mjx-container[display="true"]').filter(has_text="heavy ball")
            if wide.count():
                wide.first.evaluate("e => e.scrollIntoView({block: 'center'})")
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "site-04-wide-equation.png"))
        finally:
            browser.close()
    assert not problems, problems
    assert claims >= len(LESSONS), f"only {claims} claim lines found on the site"
