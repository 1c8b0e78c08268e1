"""The tables of docs/CONTRACT.md and README.md, generated from the exercise registry and the lessons'
notebooks: a lesson's facts are written once (its exercises and points in their modules, what it
shows in its notebook's metadata) and copied here by ``python -m tools.generate``.

A generated block sits between two marker lines in its page::

    <!-- generated: NAME (python -m tools.generate; do not edit) -->
    ...
    <!-- end generated: NAME -->
"""
from __future__ import annotations

import re
from collections.abc import Callable

import nbformat

from ..grading.protocol import grade_calls, is_grade_cell
from ..grading.registry import all_exercises

BEGIN = "<!-- generated: {name} (python -m tools.generate; do not edit) -->"
END = "<!-- end generated: {name} -->"


def graded_in_notebook(source_path: Callable[[str], object], lessons: list[str]) -> dict[str, set[str]]:
    """``{lesson: registry keys its source notebook's grade cells grade}``."""
    found = {}
    for lesson in lessons:
        nb = nbformat.read(source_path(lesson), as_version=4)
        found[lesson] = {key for c in nb.cells if is_grade_cell(c) for key, _ in grade_calls(c.source)}
    return found


def _points(p: float) -> str:
    return f"{p:g}"


def exercises_table(graded: dict[str, set[str]]) -> str:
    """One row per registered exercise: lesson, exercise, function, points, whether its notebook grades it."""
    rows = ["| lesson | exercise | function | points | in the notebook |", "| --- | --- | --- | --- | --- |"]
    for ex in all_exercises():
        shown = "yes" if ex.name in graded.get(ex.lesson, set()) else "not yet"
        rows.append(f"| {ex.lesson} | {ex.name} | {ex.reference.__name__} | {_points(ex.points)} | {shown} |")
    return "\n".join(rows)


def points_table() -> str:
    totals: dict[str, float] = {}
    for ex in all_exercises():
        totals[ex.lesson] = totals.get(ex.lesson, 0.0) + ex.points
    rows = ["| lesson | points |", "| --- | --- |"]
    rows += [f"| {lesson} | {_points(points)} |" for lesson, points in sorted(totals.items())]
    return "\n".join(rows)


def lesson_title(nb) -> str:
    """The short title of a lesson, from its notebook's first heading ("# Lesson 04 — Momentum" ->
    "Momentum"; the part before a colon when there is one)."""
    first = next(c.source for c in nb.cells if c.cell_type == "markdown").splitlines()[0]
    title = re.sub(r"^#\s*Lesson\s+\d+\s*[—-]\s*", "", first).strip()
    return title.split(":")[0].strip()


def lessons_table(source_path: Callable[[str], object], lessons: list[str]) -> str:
    """The README's table: lesson, the functions a student writes, what the lesson shows (its
    notebook's ``metadata.course.shows``)."""
    by_lesson: dict[str, list[str]] = {}
    for ex in all_exercises():
        names = by_lesson.setdefault(ex.lesson, [])
        if ex.reference.__name__ not in names:
            names.append(ex.reference.__name__)
    rows = ["| # | lesson | you write | you see |", "|---|---|---|---|"]
    for lesson in lessons:
        nb = nbformat.read(source_path(lesson), as_version=4)
        shows = nb.metadata.get("course", {}).get("shows")
        if not shows:
            raise ValueError(f"{lesson}: its source notebook's metadata has no course.shows (what the lesson shows)")
        written = ", ".join(f"`{n}`" for n in _course_order(lesson, by_lesson.get(lesson, []), nb))
        rows.append(f"| {lesson[:2]} | [{lesson_title(nb)}](notebooks/{lesson}.ipynb) | {written} | {shows} |")
    return "\n".join(rows)


def _course_order(lesson: str, names: list[str], nb) -> list[str]:
    """The functions in the order the notebook grades them (then any the notebook does not grade yet)."""
    order = []
    for cell in nb.cells:
        if is_grade_cell(cell):
            for _, fn in grade_calls(cell.source):
                if fn and fn not in order:
                    order.append(fn)
    return [n for n in order if n in names] + [n for n in names if n not in order]


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the generated block ``name`` holding ``body`` (the markers must be there)."""
    begin, end = BEGIN.format(name=name), END.format(name=name)
    pattern = re.compile(re.escape(begin) + r"\n.*?\n" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"no generated block {name!r} (its marker lines) in the page")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text, count=1)
