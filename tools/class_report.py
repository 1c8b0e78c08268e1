"""What the class misunderstood: ``make report LESSON=..`` (``python -m tools.class_report LESSON``).

Reads the gradebook (every student's score on every grade cell of the lesson) and the autograded
notebooks (the verdicts ``VerifyGrades`` keeps in each grade cell: per case, the id of the catalogued
mistake that gives the student's results on every case, if one does; verdicts recorded by an older
rule, without ``naming``, name nothing here) and writes ``reports/<lesson>/class_report.html``, one
self-contained page, with its figures also as PNG files beside it:

- the distribution of scores per exercise (a histogram for each);
- for each exercise, in the lesson's order, the known mistakes the class made, ranked by how many
  students made each, with the catalogue's explanation: the misconceptions to address in the next
  lecture; then the students who lost points on cases no catalogued mistake explains ("lost points,
  no known mistake": answers to read yourself) and those whose code only delegated.

Mistakes are counted from the recorded verdict data, never by reading report text. A student counts
once per mistake however many cases show it.
"""
from __future__ import annotations

import argparse
import base64
import html
import io
import pathlib
import sys
from collections import Counter
from dataclasses import dataclass, field

import nbformat

from coursegrader.grading import get_exercise
from coursegrader.grading.protocol import grade_calls, is_grade_cell, verdicts_of
from coursekit.check.verdict.score import NAMING
from tools.course import gradebook, unknown_lesson
from tools.editions import ROOT


@dataclass
class ExerciseSummary:
    name: str
    points: float
    scores: dict = field(default_factory=dict)       # student -> score of this exercise
    mistakes: Counter = field(default_factory=Counter)  # mistake id -> number of students
    unexplained: list = field(default_factory=list)     # students who failed a case no mistake explains
    delegated: list = field(default_factory=list)       # students whose code only delegated (0 points)
    unverified: int = 0


@dataclass
class ClassData:
    lesson: str
    students: list
    totals: dict          # student -> lesson score (gradebook)
    max_score: float
    exercises: dict       # exercise name -> ExerciseSummary, in the lesson's order


def collect(course: pathlib.Path, lesson: str, db_url: str | None = None) -> ClassData:
    """The class's results for a lesson: totals from the gradebook, verdicts from the notebooks."""
    totals, max_score = {}, 0.0
    with gradebook(course, db_url) as gb:
        max_score = float(gb.find_assignment(lesson).max_score)
        for sub in gb.assignment_submissions(lesson):
            totals[sub.student.id] = float(sub.score)
    exercises: dict[str, ExerciseSummary] = {}
    for student in sorted(totals):
        path = course / "autograded" / student / lesson / f"{lesson}.ipynb"
        if not path.exists():
            continue
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if not is_grade_cell(cell):
                continue
            for v in verdicts_of(cell):
                name = v["exercise"]
                ex = exercises.setdefault(name, ExerciseSummary(name, float(v.get("points", 0.0))))
                ex.scores[student] = float(v.get("score", 0.0))
                if v.get("unverified"):
                    ex.unverified += 1
                made = {c.get("mistake") for c in v.get("cases", []) if c.get("mistake")} \
                    if v.get("naming") == NAMING else set()  # an older rule named what it did not reproduce
                ex.mistakes.update(made)
                if v.get("delegated"):
                    ex.delegated.append(student)
                elif any(not c.get("passed") and not c.get("mistake") for c in v.get("cases", [])):
                    ex.unexplained.append(student)
    order = lesson_order(course, lesson)
    ranked = sorted(exercises, key=lambda n: (order.index(n) if n in order else len(order), n))
    return ClassData(lesson, sorted(totals), totals, max_score, {n: exercises[n] for n in ranked})


def lesson_order(course: pathlib.Path, lesson: str) -> list[str]:
    """The exercises in the order the lesson's source notebook grades them."""
    path = course / "source" / lesson / f"{lesson}.ipynb"
    if not path.exists():
        return []
    names = []
    for cell in nbformat.read(path, as_version=4).cells:
        if is_grade_cell(cell):
            names += [n for n, _ in grade_calls(cell.source) if n not in names]
    return names


def explanation(exercise: str, mistake: str) -> str:
    """The catalogue's words for a mistake (its id when the catalogue no longer has it)."""
    try:
        ex = get_exercise(exercise)
    except KeyError:
        return mistake
    return next((m.message for m in ex.mistakes if m.name == mistake), mistake)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return buf.getvalue()


def figures(data: ClassData) -> dict[str, bytes]:
    """PNG figures: the lesson's score distribution and one histogram per exercise."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coursekit.plotting import use_style

    use_style()
    out = {}
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.hist(list(data.totals.values()), bins=min(20, max(5, int(data.max_score) + 1)),
            range=(0, data.max_score), color="C0", edgecolor="white")
    ax.set_title(f"{data.lesson}: lesson scores ({len(data.totals)} students)")
    ax.set_xlabel(f"score (points out of {data.max_score:g})")
    ax.set_ylabel("students")
    out["scores.png"] = _png(fig)
    plt.close(fig)
    names = list(data.exercises)
    if names:
        cols = min(3, len(names))
        rows = -(-len(names) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.9 * rows), squeeze=False,
                                 layout="constrained")
        for ax, name in zip(axes.flat, names):
            ex = data.exercises[name]
            ax.hist(list(ex.scores.values()), bins=10, range=(0, ex.points or 1), color="C2", edgecolor="white")
            ax.set_title(name, fontsize=10)
            ax.set_xlabel(f"points out of {ex.points:g}")
            ax.set_ylabel("students")
        for ax in list(axes.flat)[len(names):]:
            ax.set_visible(False)
        fig.suptitle("Score distribution per exercise")
        out["exercises.png"] = _png(fig)
        plt.close(fig)
    return out


def render(data: ClassData, pngs: dict[str, bytes]) -> str:
    n = len(data.students)
    mean = sum(data.totals.values()) / n if n else 0.0
    img = {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in pngs.items()}
    parts = [f"<h1>Class report: {html.escape(data.lesson)}</h1>",
             f"<p>{n} student(s) graded; mean score {mean:.1f} of {data.max_score:g}.</p>"]
    if "scores.png" in img:
        parts.append(f"<img alt='lesson scores' src='{img['scores.png']}'>")
    parts.append("<h2>What the class misunderstood</h2>"
                 "<p>For each exercise, in the lesson's order: the known mistakes students made, most frequent "
                 "first, with the catalogue's explanation; then the students who lost points on cases no catalogued "
                 "mistake explains (their answers are worth reading) and those whose code only delegated. A student "
                 "counts once per row.</p>")
    for name, ex in data.exercises.items():
        full = sum(1 for s in ex.scores.values() if s >= ex.points)
        lost = len(ex.scores) - full
        parts.append(f"<h3>{html.escape(name)} <small>({ex.points:g} points; full marks: {full} of "
                     f"{len(ex.scores)})</small></h3>")
        if ex.unverified:
            parts.append(f"<p class='warn'>{ex.unverified} submission(s) had no verifiable results.</p>")
        if not lost:
            parts.append("<p>Everyone earned full marks.</p>")
            continue
        share = max(len(ex.scores), 1)
        rows = [(count, f"<code>{html.escape(m)}</code>", html.escape(explanation(name, m)))
                for m, count in ex.mistakes.most_common()]
        if ex.unexplained:
            rows.append((len(ex.unexplained), "<b>lost points, no known mistake</b>",
                         "failed cases no catalogued mistake explains: read these answers (" +
                         ", ".join(html.escape(s) for s in ex.unexplained[:12]) +
                         (", ..." if len(ex.unexplained) > 12 else "") + ")"))
        if ex.delegated:
            rows.append((len(ex.delegated), "<b>delegated</b>", "called the course's reference or torch where the "
                         "exercise is to write it: 0 points (" + ", ".join(html.escape(s) for s in ex.delegated[:12])
                         + (", ..." if len(ex.delegated) > 12 else "") + ")"))
        if not ex.mistakes:
            parts.append(f"<p>{lost} of {len(ex.scores)} lost points; no catalogued mistake seen.</p>")
        body = "".join(f"<tr><td class='n'>{count}</td><td class='n'>{100 * count / share:.0f}%</td><td>{label}</td>"
                       f"<td>{words}</td></tr>" for count, label, words in rows)
        parts.append("<table><tr><th>students</th><th>share</th><th>mistake</th><th>what it means</th></tr>"
                     f"{body}</table>")
    if "exercises.png" in img:
        parts.append(f"<h2>Scores per exercise</h2><img alt='scores per exercise' src='{img['exercises.png']}'>")
    style = ("body{font-family:sans-serif;max-width:1000px;margin:auto;padding:1em}img{max-width:100%}"
             "table{border-collapse:collapse;margin-bottom:1em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;"
             "text-align:left;vertical-align:top}td.n{text-align:right}.warn{color:#a40}small{color:#666}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Class report: {html.escape(data.lesson)}"
            f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>")


def write(course: pathlib.Path, lesson: str, db_url: str | None = None) -> pathlib.Path:
    data = collect(course, lesson, db_url)
    pngs = figures(data)
    out = course / "reports" / lesson
    out.mkdir(parents=True, exist_ok=True)
    for name, png in pngs.items():
        (out / name).write_bytes(png)
    page = out / "class_report.html"
    page.write_text(render(data, pngs))
    return page


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson")
    parser.add_argument("--course", type=pathlib.Path, default=ROOT, help="the nbgrader course directory")
    parser.add_argument("--db", default=None, help="gradebook URL (default: nbgrader_config.py's db_url)")
    args = parser.parse_args(argv)
    if unknown_lesson(args.course, args.lesson):
        parser.error(unknown_lesson(args.course, args.lesson))
    try:
        page = write(args.course, args.lesson, args.db)
    except Exception as exc:  # noqa: BLE001 - one clear line for the instructor instead of a traceback
        print(f"make report: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
