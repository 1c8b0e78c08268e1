"""Builders for the grading tests: a throw-away lesson-01 course, students' submissions, gradebook reads.

Used by test_hostile.py, test_parallel_grading.py and test_feedback.py. Everything runs
nbgrader's own code (its CLI, or its AutogradeApp through tools/grade.py) on a real gradebook.
"""
from __future__ import annotations

import copy
import hashlib
import pathlib
import shutil

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from coursekit.grading.protocol import nbgrader_meta
from tools.course import filled_release, gradebook, write_submission
from tools.sync_grade_cells import lesson_points

from conftest import ROOT, nbgrader

LESSON = "01_gradients"
POINTS = lesson_points(LESSON)  # {grade cell: points}, from the registry


def make_course(root: pathlib.Path) -> pathlib.Path:
    """A course directory with lesson 01 only, its assignment in a fresh gradebook."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "source" / LESSON, root / "source" / LESSON)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    nbgrader(root, "generate_assignment", LESSON, "--force")
    return root


class Submission:
    """A student's notebook: the release edition with the source solutions filled in, then edited."""

    def __init__(self, course: pathlib.Path):
        self.nb = filled_release(LESSON, nbformat.read(course / "release" / LESSON / f"{LESSON}.ipynb", as_version=4))

    def index(self, grade_id: str) -> int:
        return next(i for i, c in enumerate(self.nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)

    def cell(self, grade_id: str):
        return self.nb.cells[self.index(grade_id)]

    def solve(self, name: str, code: str) -> Submission:
        """Replace the answer to exercise ``name`` (its whole solution cell)."""
        self.cell(f"{name}_solution").source = code.strip("\n")
        return self

    def prepend(self, name: str, code: str) -> Submission:
        """Run ``code`` at the top of exercise ``name``'s solution cell."""
        cell = self.cell(f"{name}_solution")
        cell.source = code.strip("\n") + "\n" + cell.source
        return self

    def insert_before(self, grade_id: str, cell) -> Submission:
        self.nb.cells.insert(self.index(grade_id), cell)
        return self

    def delete(self, grade_id: str) -> Submission:
        del self.nb.cells[self.index(grade_id)]
        return self

    def write(self, course: pathlib.Path, student: str) -> None:
        write_submission(course, student, LESSON, self.nb)


def code_cell(src: str, meta: dict | None = None):
    cell = new_code_cell(src)
    if meta:
        cell.metadata["nbgrader"] = copy.deepcopy(meta)
    return cell


def markdown_cell(src: str, meta: dict | None = None):
    cell = new_markdown_cell(src)
    if meta:
        cell.metadata["nbgrader"] = copy.deepcopy(meta)
    return cell


def scores(course: pathlib.Path, student: str) -> dict[str, float]:
    """{grade cell: score} of a student's submission, from the course's gradebook."""
    with gradebook(course) as gb:
        nb = gb.find_submission_notebook(LESSON, LESSON, student)
        return {g.name: g.score for g in nb.grades}


def gradebook_rows(course: pathlib.Path, db_url: str | None = None, timestamps: bool = True) -> dict:
    """Every per-student row nbgrader keeps for the lesson, by (student, cell), ids left out
    (``db_url``: another gradebook than the course's; ``timestamps=False``: without the submission
    times, which differ between two gradebooks fed the same submissions at different moments)."""
    rows = {}
    with gradebook(course, db_url) as gb:
        for sub in gb.assignment_submissions(LESSON):
            stamp = (sub.timestamp,) if timestamps else ()
            rows[(sub.student_id, "submission")] = stamp + (sub.extension, sub.score, sub.max_score)
            for nb in sub.notebooks:
                rows[(sub.student_id, nb.name)] = (nb.flagged, nb.late_submission_penalty, nb.score)
                for g in nb.grades:
                    rows[(sub.student_id, g.name)] = (g.auto_score, g.manual_score, g.extra_credit,
                                                      g.needs_manual_grade, g.score)
                for c in nb.comments:
                    rows[(sub.student_id, "comment " + c.name)] = (c.auto_comment, c.manual_comment)
    return rows


def cell_text(course: pathlib.Path, student: str, grade_id: str) -> str:
    """All text output of a cell of the autograded notebook."""
    nb = nbformat.read(course / "autograded" / student / LESSON / f"{LESSON}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", "") if out.output_type == "stream" else
                     f"{out.get('ename', '')}: {out.get('evalue', '')}" if out.output_type == "error" else
                     str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def fingerprint(folder: pathlib.Path, skip=()) -> dict[str, str]:
    """{relative path: sha256} of every file under ``folder`` except those under ``skip``."""
    skip = [folder / s for s in skip]
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(path == s or s in path.parents for s in skip):
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
