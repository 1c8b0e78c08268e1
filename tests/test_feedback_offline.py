"""Feedback a student can read anywhere: the page nbgrader generate_feedback writes, opened in a real
browser with every network request refused, shows its math typeset (MathML rendered at build time)
and fits wide figures and long report lines to the page."""
from __future__ import annotations

import os
import pathlib

import pytest

from coursegrader.grading.autograde.feedback import render_math
from tools.editions import ROOT

from conftest import nbgrader
from gradingkit import LESSON, Submission, make_course

ARTIFACTS = pathlib.Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "build" / "test-artifacts" / "browser"))


def test_math_becomes_mathml_and_code_is_left_alone():
    md = "The loss $f(x) = (a - x_1)^2$ and\n$$\\nabla f = 0$$\nbut `x = $5` and\n```\n$not math$\n```"
    out = render_math(md)
    assert out.count("<math") == 2 and 'display="block"' in out
    assert "`x = $5`" in out and "$not math$" in out
    assert "x_1" not in out.split("`x")[0], "markdown would read an underscore inside MathML as emphasis"


def test_unknown_latex_stays_readable():
    assert "\\notacommand" in render_math("$\\notacommand{x}$")


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("offline") / "course")
    Submission(course).write(course, "ann")
    nbgrader(course, "autograde", LESSON)
    nbgrader(course, "generate_feedback", LESSON)
    return course / "feedback" / "ann" / LESSON / f"{LESSON}.html"


def test_feedback_page_offline_has_typeset_math_and_fits_the_page(feedback_page):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("/usr/bin/chromium is absent: install Debian's chromium (bash .ci/system-packages)")
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM, CHROMIUM_ARGS

    html = feedback_page.read_text()
    assert "<math" in html and "$$f(x)" not in html
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            refused = []
            page.route("http*://**", lambda route: (refused.append(route.request.url), route.abort()))
            page.goto(feedback_page.as_uri())
            page.wait_for_load_state("load")
            # math: MathML elements laid out with a size (the browser typeset them), no raw TeX left
            sizes = page.eval_on_selector_all("math", "els => els.map(e => e.getBoundingClientRect().width)")
            assert len(sizes) > 20 and min(sizes) > 0
            text = page.inner_text("body")
            assert "$$" not in text and "\\frac" not in text and "\\nabla" not in text
            # nothing wider than the page: figures and report lines fit
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
            widths = page.eval_on_selector_all("img", "els => els.map(e => e.getBoundingClientRect().right)")
            assert all(w <= 900 for w in widths)
            page.screenshot(path=str(ARTIFACTS / "feedback-offline.png"), full_page=False)
            first_math = page.locator("math").first
            first_math.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "feedback-offline-math.png"))
        finally:
            browser.close()
