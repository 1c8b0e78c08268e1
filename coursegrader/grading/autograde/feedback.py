"""Feedback a student can read anywhere: ``nbgrader generate_feedback`` pages without a network.

nbgrader's feedback template loads MathJax from a CDN, so offline the lesson's math shows as raw
LaTeX, and wide figures and long report lines run off the right edge. :class:`SelfContainedFeedback`
(wired into ``GenerateFeedback.preprocessors`` in ``nbgrader_config.py``) fixes both before the page
is written: it renders the math of every markdown cell to MathML at build time (``latex2mathml``;
browsers draw MathML natively, with no script and no font download) and adds a style sheet that fits
images and report lines to the page. A formula it cannot convert stays as its LaTeX source in a code
span, so nothing is lost.
"""
from __future__ import annotations

import re

from latex2mathml.converter import convert
from nbconvert.preprocessors import Preprocessor

FIT_CSS = """
img, svg { max-width: 100%; height: auto; }
div.output_area pre, div.output_text pre { white-space: pre-wrap; overflow-wrap: anywhere; }
math[display="block"] { margin: 0.6em 0; overflow-x: auto; }
"""

# $$...$$ first, then $...$ (not escaped, not empty); fenced code and inline code are left alone
_FENCE = re.compile(r"(^```.*?^```[ \t]*$|`[^`\n]*`)", re.M | re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$(?!\$)")


def to_mathml(latex: str, display: bool) -> str:
    """One formula as MathML; markdown's special characters escaped so they survive markdown."""
    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml raises many types; an unknown command must not stop feedback
        escaped = latex.replace("`", "'")
        return f"`{'$$' if display else '$'}{escaped}{'$$' if display else '$'}`"
    return mathml.replace("*", "&#42;").replace("_", "&#95;").replace("\n", " ")


def render_math(markdown: str) -> str:
    """Every ``$...$`` and ``$$...$$`` of a markdown text as MathML, code spans and blocks untouched."""
    parts = _FENCE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = _DISPLAY.sub(lambda m: to_mathml(m.group(1), True), parts[i])
        parts[i] = _INLINE.sub(lambda m: to_mathml(m.group(1), False), text)
    return "".join(parts)


class SelfContainedFeedback(Preprocessor):
    """Math rendered to MathML at build time; images and report lines fitted to the page."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = render_math(cell.source)
        inlining = resources.setdefault("inlining", {})
        inlining.setdefault("css", []).append(FIT_CSS)
        return nb, resources
