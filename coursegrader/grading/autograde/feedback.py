"""Feedback a student can read anywhere: ``nbgrader generate_feedback`` pages that load nothing.

nbgrader's feedback template loads MathJax from a CDN in a synchronous ``<script>``: offline the
lesson's math shows as raw LaTeX, and on a network that hangs instead of refusing the page takes half a
minute to appear. :class:`SelfContainedFeedback` (wired into ``GenerateFeedback.preprocessors`` in
``nbgrader_config.py``) and :class:`FeedbackExporter` (``GenerateFeedback.exporter_class``) make the
page self-contained:

- the math of every markdown cell and of every claim line (``coursekit.claims``) is rendered to MathML
  when the page is written (``latex2mathml``; browsers draw MathML natively, with no script and no
  font download); a formula it cannot convert stays as its LaTeX source in a code span;
- the template is nbgrader's feedback template without its MathJax script, and its summary names
  each grade cell's exercise instead of "Test cell";
- absolute file paths in outputs (tracebacks, warnings) are shortened to the package-relative part
  (``numpy/linalg/...``, ``coursekit/...``), so the page shows no folder of the grading machine;
- a style sheet fits images and report lines to the page.
"""
from __future__ import annotations

import html
import os
import re

from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown import markdown2html
from nbconvert.preprocessors import Preprocessor
from traitlets import default, validate

from coursegrader.grading.protocol import split_cell_id
from coursekit.claims import METADATA_KEY

FIT_CSS = """
img, svg { max-width: 100%; height: auto; }
div.output_area pre, div.output_text pre { white-space: pre-wrap; overflow-wrap: anywhere; }
math[display="block"] { margin: 0.6em 0; overflow-x: auto; }
div.claim { padding: 0.2em 0; }
div.claim p { margin: 0; }
"""

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback exporter (``HTMLExporter`` with nbgrader's ``feedback`` template), with this
    course's ``templates/feedback`` folder searched first: its ``mathjax.html.j2`` writes no script, and
    its ``coursekit_feedback.html.j2`` (the template file) extends nbgrader's ``index.html.j2``.
    ``c.GenerateFeedback.exporter_class`` selects it, so nbgrader's other pages (Formgrader's manual
    grading, which also uses an ``HTMLExporter``) keep their own templates; nbgrader's formgrader forces
    the template name ``feedback``, which this folder's name matches."""

    @default("template_file")
    def _coursekit_template_file(self):
        return "coursekit_feedback.html.j2"

    @default("extra_template_basedirs")
    def _coursekit_basedirs(self):
        return [TEMPLATES, _nbgrader_templates(), os.getcwd()]

    @validate("extra_template_basedirs")
    def _coursekit_first(self, proposal):  # nbgrader's GenerateFeedback sets its own folder in the config
        return [TEMPLATES] + [d for d in proposal["value"] if d != TEMPLATES]


def _nbgrader_templates() -> str:
    import nbgrader

    return os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")


# $$...$$ first, then $...$ (not escaped, not empty, may wrap onto the next line but not across a blank
# line, which ends a markdown paragraph); fenced code and inline code are left alone
_FENCE = re.compile(r"(^```.*?^```[ \t]*$|`[^`\n]*`)", re.M | re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)((?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\\)\$(?!\$)")
# latex2mathml gives \lVert and \rVert a stretchy fence (Chromium draws it lowered); \| is not stretchy
_SAME_AS = [(re.compile(r"\\[lr]Vert\b"), r"\\|"), (re.compile(r"\\[lr]vert\b"), "|")]
_MTEXT_ESCAPE = re.compile(r"(<mtext[^>]*>)(.*?)(</mtext>)", re.S)
_UNKNOWN_FUNCTION = re.compile(r"<mi>\\(arg)</mi>")  # latex2mathml 3.81 knows \max but not \arg


def to_mathml(latex: str, display: bool, for_markdown: bool = True) -> str:
    """One formula as MathML (markdown's special characters escaped so they survive markdown)."""
    tex = latex.strip()
    for pattern, replacement in _SAME_AS:
        tex = pattern.sub(replacement, tex)
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml raises many types; an unknown command must not stop feedback
        escaped = latex.replace("`", "'")
        if not for_markdown:
            return f"<code>{html.escape(escaped)}</code>"
        return f"`{'$$' if display else '$'}{escaped}{'$$' if display else '$'}`"
    # \text{fan\_in}: latex2mathml keeps the escapes of text mode inside <mtext>
    mathml = _MTEXT_ESCAPE.sub(lambda m: m[1] + re.sub(r"\\([_%$&#{} ])", r"\1", m[2]) + m[3], mathml)
    mathml = _UNKNOWN_FUNCTION.sub(r"<mo>\1</mo>", mathml).replace("\n", " ")
    return mathml.replace("*", "&#42;").replace("_", "&#95;") if for_markdown else mathml


def render_math(markdown: str) -> str:
    """Every ``$...$`` and ``$$...$$`` of a markdown text as MathML, code spans and blocks untouched."""
    parts = _FENCE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        text = _DISPLAY.sub(lambda m: to_mathml(m.group(1), True), parts[i])
        parts[i] = _INLINE.sub(lambda m: to_mathml(m.group(1), False), text)
    return "".join(parts)


def text_with_math(text: str) -> str:
    """Plain text (a claim line) as HTML: escaped, its ``$...$`` as MathML."""
    out, last = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[last:m.start()]))
        out.append(to_mathml(m.group(1), False, for_markdown=False))
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


_ANSI = re.compile(r"(\x1b\[[0-9;]*[A-Za-z])")
_PATH = re.compile(r"(?<![\w.~:/\\-])/(?:[\w.+@-]+/)+[\w.+@-]*")


def _short(path: str) -> str:
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in path:
            return path.split(marker, 1)[1]
    parts = path.strip("/").split("/")
    for package in ("coursekit", "coursegrader"):
        if package in parts[:-1]:
            return "/".join(parts[len(parts) - 1 - parts[::-1].index(package):])
    python = re.search(r"/lib/(python3\.\d+/.*)$", path)
    if python:
        return python.group(1)
    return "/".join(["…"] + parts[-2:]) if len(parts) > 2 else path


def short_paths(text: str) -> str:
    """Absolute paths in ``text`` (ANSI colour codes kept) cut to their package-relative part."""
    pieces = _ANSI.split(text)
    return "".join(p if _ANSI.fullmatch(p) else _PATH.sub(lambda m: _short(m.group(0)), p) for p in pieces)


def _clean_output(output) -> None:
    if output.get("output_type") == "error":
        output["traceback"] = [short_paths(line) for line in output.get("traceback", [])]
        output["evalue"] = short_paths(output.get("evalue", ""))
    elif output.get("output_type") == "stream":
        output["text"] = short_paths(output.get("text", ""))
    data = output.get("data") or {}
    if isinstance(data.get("text/plain"), str):
        data["text/plain"] = short_paths(data["text/plain"])
    if METADATA_KEY in (output.get("metadata") or {}):
        if isinstance(data.get("text/markdown"), str):  # a claim line as markdown, its math as $...$
            data["text/html"] = f'<div class="claim">{markdown2html(render_math(data["text/markdown"]))}</div>'
        elif isinstance(data.get("text/plain"), str):  # a notebook executed before claims had markdown
            data["text/html"] = f'<div class="claim">{text_with_math(data["text/plain"])}</div>'


class SelfContainedFeedback(Preprocessor):
    """Math rendered to MathML at build time, claim lines included; no machine paths; exercise names for
    the summary; images and report lines fitted to the page."""

    def preprocess(self, nb, resources):
        labels = {}
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = render_math(cell.source)
            elif cell.cell_type == "code":
                for output in cell.get("outputs", []):
                    _clean_output(output)
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            parsed = split_cell_id(grade_id or "")
            if parsed:
                labels[grade_id] = parsed[0]
        resources.setdefault("coursekit", {})["labels"] = labels
        inlining = resources.setdefault("inlining", {})
        inlining.setdefault("css", []).append(FIT_CSS)
        return nb, resources
