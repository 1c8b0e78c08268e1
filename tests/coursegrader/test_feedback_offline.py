"""Feedback a student can read anywhere: the page nbgrader generate_feedback writes loads nothing (no
script at all), shows every formula of every lesson typeset (MathML rendered at build time, in markdown
and in claim lines), names the exercises in its summary, shows no folder of the grading machine, and
fits wide figures and long report lines to the page in a real browser with every request refused."""
from __future__ import annotations

import os
import pathlib
import re
import sys
from html.parser import HTMLParser

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from coursegrader.grading.autograde.feedback import render_math, short_paths, text_with_math
from coursekit.claims import METADATA_KEY
from tools.editions import NOTEBOOKS, ROOT, lessons

from conftest import nbgrader
from gradingkit import LESSON, POINTS, Submission, make_course

ARTIFACTS = pathlib.Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "build" / "test-artifacts" / "browser"))
STRAY = "\nimport numpy as np\nnp.linalg.inv(np.zeros((2, 2)))  # a stray experiment: a traceback through numpy\n"


def test_math_becomes_mathml_and_code_is_left_alone():
    md = "The loss $f(x) = (a - x_1)^2$ and\n$$\\nabla f = 0$$\nbut `x = $5` and\n```\n$not math$\n```"
    out = render_math(md)
    assert out.count("<math") == 2 and 'display="block"' in out
    assert "`x = $5`" in out and "$not math$" in out
    assert "x_1" not in out.split("`x")[0], "markdown would read an underscore inside MathML as emphasis"


def test_inline_math_may_wrap_onto_the_next_line_but_not_across_a_paragraph():
    out = render_math("the covariance, $\\operatorname{tr}\\Sigma =\n\\frac1N \\sum_i g_i$, is")
    assert out.count("<math") == 1 and "$" not in out and "\\frac" not in out
    two_paragraphs = render_math("costs $5\n\nand $6")
    assert "<math" not in two_paragraphs


def test_what_latex2mathml_gets_wrong_is_put_right():
    norm = render_math("$\\lVert g \\rVert^2$")
    assert 'stretchy="false"' in norm and norm.count("&#x02016;") == 2, "a norm bar must not stretch (drawn lowered)"
    assert "\\" not in render_math("$\\text{fan\\_in}\\cdot\\arg\\max(x)$")


def test_unknown_latex_stays_readable():
    assert "\\notacommand" in render_math("$\\notacommand{x}$")


def test_claim_lines_and_paths():
    line = text_with_math("✓ claim: the loss falls below $0.25$ <fast> (measured: 0.2)")
    assert "<math" in line and "$" not in line and "&lt;fast&gt;" in line
    tb = ("\x1b[0;32mFile \x1b[0;32m/home/prof/course/.venv/lib/python3.11/site-packages/numpy/linalg/_linalg.py:104"
          "\x1b[0m, in _raise\n/home/prof/course/coursekit/grading/kernel/notebook.py:38 /usr/lib/python3.11/json/"
          "decoder.py see https://docs.python.org/3/library/json.html and /srv/scratch/job-17/autograded/ann/x.ipynb")
    short = short_paths(tb)
    assert "/home/prof" not in short and "/srv/scratch" not in short and "\x1b[0;32m" in short
    assert "numpy/linalg/_linalg.py:104" in short and "coursekit/grading/kernel/notebook.py:38" in short
    assert "python3.11/json/decoder.py" in short and "https://docs.python.org/3/library/json.html" in short


class _Leftovers(HTMLParser):
    """Text a reader sees as raw TeX: a ``$`` or a TeX command in rendered markdown or a claim line
    (outside code spans, which show code), a formula that stayed as its ``$...$`` source in a code span,
    or a TeX command left inside MathML."""

    def __init__(self):
        super().__init__()
        self.stack, self.found, self.claims = [], [], 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        self.claims += cls == "claim"
        self.stack.append((tag, "text_cell_render" in cls or cls == "claim"))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not any(prose for _, prose in self.stack):
            return
        tags = {t for t, _ in self.stack}
        if "math" in tags:
            self.found += re.findall(r"\\[A-Za-z]+", data)
        elif tags & {"code", "pre"}:
            self.found += re.findall(r"^\s*\$.+\$\s*$", data, re.S)
        else:
            self.found += [data[max(0, m.start() - 30):m.end() + 30] for m in re.finditer(r"\$|\\[A-Za-z]+", data)]


@pytest.fixture(scope="module")
def feedback_exporter():
    """nbgrader's GenerateFeedback exporter with this course's configuration (its template and
    preprocessors; GetGrades, which reads the gradebook, left out)."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    for pp in converter.preprocessors:
        if pp is not GetGrades:
            exporter.register_preprocessor(pp)
    return exporter


@pytest.mark.parametrize("lesson", lessons())
def test_every_lessons_feedback_page_has_no_raw_math_and_loads_nothing(feedback_exporter, lesson):
    """The reading edition (every markdown cell, every claim line, executed) through the feedback page's
    exporter: no raw ``$`` or TeX command for a reader, no script, nothing fetched from elsewhere."""
    nb = nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)
    claims = sum(METADATA_KEY in (o.get("metadata") or {}) for c in nb.cells for o in c.get("outputs", []))
    page, _ = feedback_exporter.from_notebook_node(nb, resources={"nbgrader": {
        "notebook": lesson, "score": 0.0, "max_score": 1.0, "late_penalty": 0.0}})
    seen = _Leftovers()
    seen.feed(page)
    assert not seen.found, f"{lesson}: raw math in the page: {seen.found[:10]}"
    assert seen.claims == claims and page.count("<math") > 10
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//""", page, re.I)


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("offline") / "course")
    sub = Submission(course)
    sub.cell("rosenbrock_solution").source += STRAY
    sub.write(course, "ann")
    nbgrader(course, "autograde", LESSON)
    nbgrader(course, "generate_feedback", LESSON)
    return course, course / "feedback" / "ann" / LESSON / f"{LESSON}.html"


def test_the_generated_page_names_exercises_and_hides_the_machines_folders(feedback_page):
    course, path = feedback_page
    page = path.read_text()
    toc = page[page.index('id="toc"'):page.index("</ol>")]
    for grade_id in POINTS:
        assert f'<a href="#{grade_id}"><code>{grade_id.removesuffix("_grade")}</code>: hidden tests</a>' in toc
    assert "Test cell" not in toc
    assert "LinAlgError" in page and "numpy/linalg/" in page, "the stray traceback is shown, its paths shortened"
    for folder in {str(ROOT), sys.prefix, str(course), os.path.expanduser("~")} - {"/"}:
        assert folder not in page, folder
    assert "<script" not in page.lower()


def test_feedback_page_offline_has_typeset_math_and_fits_the_page(feedback_page):
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("/usr/bin/chromium is absent: install Debian's chromium (bash .ci/system-packages)")
    from browserkit import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    _, path = feedback_page
    html = path.read_text()
    assert "<math" in html and "$$f(x)" not in html
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            requested = []
            page.route("**/*", lambda route: (requested.append(route.request.url), route.continue_()
                                              if route.request.url.startswith("file:") else route.abort()))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert [u for u in requested if not u.startswith("file:")] == [], "the page fetched something"
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
