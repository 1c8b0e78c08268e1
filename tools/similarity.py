"""Copied code flagged: ``make similarity LESSON=..`` (``python -m tools.similarity LESSON``).

For every exercise of a lesson, compares the solution code of every submission
(``submitted/<student>/<lesson>/<lesson>.ipynb``) with every other one, with the published worked
solution (the source notebook's solution cell, which the reading edition shows) and with the
reference in ``coursekit``, using :mod:`coursegrader.reports.code_similarity`. Writes
``reports/<lesson>/similarity.html``: per exercise, the flagged pairs with the matched lines side by
side, and the exercises too short to tell copies apart. It flags for a person to look at; it changes
no score.
"""
from __future__ import annotations

import argparse
import html
import inspect
import itertools
import pathlib
import sys
from dataclasses import dataclass, field

import nbformat

from coursegrader.coursedir import unknown_lesson
from coursegrader.grading import all_exercises
from coursegrader.grading.protocol import nbgrader_meta
from coursegrader.reports.code_similarity import THRESHOLD, Code, matched_lines, normalise, similarity
from tools.editions import ROOT, solution_code

WORKED = "worked solution"
REFERENCE = "coursekit reference"


@dataclass
class Match:
    exercise: str
    a: str
    b: str
    score: float
    lines_a: set = field(default_factory=set)
    lines_b: set = field(default_factory=set)


@dataclass
class ExerciseReport:
    exercise: str
    too_short: bool
    codes: dict  # who -> Code
    matches: list


def solution_cells(nb) -> dict[str, str]:
    """grade_id -> code of every solution cell of a notebook."""
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and nbgrader_meta(c).get("solution")}


def _references() -> dict[str, str]:
    out = {}
    for ex in all_exercises():
        try:
            out[ex.reference.__name__] = inspect.getsource(ex.reference)
        except (OSError, TypeError):
            continue
    return out


def _reference_for(code: str, refs: dict[str, str]) -> str | None:
    import ast
    try:
        names = [n.name for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        return None
    found = [refs[n] for n in names if n in refs]
    return "\n\n".join(found) or None


def analyse(lesson: str, submissions: dict[str, object], worked: dict[str, str],
            threshold: float = THRESHOLD) -> list[ExerciseReport]:
    """submissions: student -> notebook; worked: grade_id -> worked solution code."""
    refs = _references()
    reports = []
    for cell_id, worked_code in worked.items():
        codes: dict[str, Code] = {}
        for student, nb in submissions.items():
            src = solution_cells(nb).get(cell_id)
            if src is not None:
                codes[student] = normalise(src)
        anchors = {WORKED: normalise(solution_code(nbformat.v4.new_code_cell(worked_code)))}
        ref = _reference_for(worked_code, refs)
        if ref:
            anchors[REFERENCE] = normalise(ref)
        too_short = anchors[WORKED].too_short
        matches = []
        if not too_short:
            students = sorted(s for s, c in codes.items() if not c.too_short)
            pairs = list(itertools.combinations(students, 2)) + [(s, a) for s in students for a in anchors]
            for a, b in pairs:
                ca, cb = codes[a], codes.get(b) or anchors[b]
                score = similarity(ca, cb)
                if score >= threshold:
                    la, lb = matched_lines(ca, cb)
                    matches.append(Match(cell_id, a, b, score, la, lb))
        matches.sort(key=lambda m: -m.score)
        reports.append(ExerciseReport(cell_id, too_short, {**codes, **anchors}, matches))
    return reports


def load(course: pathlib.Path, lesson: str):
    submissions = {}
    for path in sorted((course / "submitted").glob(f"*/{lesson}/{lesson}.ipynb")):
        try:
            submissions[path.parts[-3]] = nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 - a corrupt submission is reported and skipped, never fatal
            print(f"skipped {path}: {exc}", file=sys.stderr)
    worked = solution_cells(nbformat.read(course / "source" / lesson / f"{lesson}.ipynb", as_version=4))
    return submissions, worked


def _side(code: Code, lines: set) -> str:
    rows = []
    for i, text in enumerate(code.source.splitlines(), start=1):
        cls = ' class="hit"' if i in lines else ""
        rows.append(f"<tr{cls}><td class='n'>{i}</td><td><pre>{html.escape(text)}</pre></td></tr>")
    return "<table class='code'>" + "".join(rows) + "</table>"


def render(lesson: str, reports: list[ExerciseReport], n_students: int) -> str:
    flagged = sum(len(r.matches) for r in reports)
    parts = [f"<h1>Similar code in {html.escape(lesson)}</h1>",
             f"<p>{n_students} submissions; pairs at or above a similarity of {THRESHOLD:.0%} "
             "(winnowed fingerprints of the code with names and formatting normalised) are listed for a person to "
             f"look at: {flagged} in all. Nothing here changes a score.</p>"]
    for r in reports:
        parts.append(f"<h2>{html.escape(r.exercise)}</h2>")
        if r.too_short:
            parts.append("<p class='short'>Too short to tell copies apart: independent answers coincide.</p>")
            continue
        if not r.matches:
            parts.append("<p>No near-identical pair.</p>")
        for m in r.matches:
            parts.append(f"<h3>{html.escape(m.a)} ~ {html.escape(m.b)}: {m.score:.0%}</h3>"
                         f"<div class='pair'><div><b>{html.escape(m.a)}</b>{_side(r.codes[m.a], m.lines_a)}</div>"
                         f"<div><b>{html.escape(m.b)}</b>{_side(r.codes[m.b], m.lines_b)}</div></div>")
    style = ("body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}.pair{display:flex;gap:1em}"
             ".pair>div{flex:1;overflow-x:auto}table.code{border-collapse:collapse;font-size:12px}"
             "td.n{color:#999;padding-right:.5em;text-align:right}pre{margin:0}tr.hit{background:#ffe08a}"
             ".short{color:#666}")
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Similarity: {html.escape(lesson)}</title>" \
           f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson")
    parser.add_argument("--course", type=pathlib.Path, default=ROOT, help="the nbgrader course directory")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    args = parser.parse_args(argv)
    if unknown_lesson(args.course, args.lesson):
        parser.error(unknown_lesson(args.course, args.lesson))
    submissions, worked = load(args.course, args.lesson)
    reports = analyse(args.lesson, submissions, worked, args.threshold)
    out = args.course / "reports" / args.lesson / "similarity.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(args.lesson, reports, len(submissions)))
    for r in reports:
        state = "too short to tell" if r.too_short else f"{len(r.matches)} flagged"
        print(f"{r.exercise:36s} {state}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
