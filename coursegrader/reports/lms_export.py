"""Grades into a learning management system: ``nbgrader export`` plugins for Canvas and Moodle.

nbgrader's own ``export`` writes one row per (lesson, student); an LMS imports one row per student
with one column per grade item. These plugins use nbgrader's public export-plugin mechanism::

    nbgrader export --exporter=coursegrader.reports.lms_export.CanvasExportPlugin --to canvas.csv
    nbgrader export --exporter=coursegrader.reports.lms_export.MoodleExportPlugin --to moodle.csv

**A grade never lands on the wrong student.** Each plugin matches students by one identifier
(``identifier``), taken from nbgrader's student table. A row is written only for a student whose
identifier the LMS will read as that student:

- a student without the identifier, or with one the LMS would misread (Moodle reads ``0`` as blank;
  Canvas reads its ``ID`` as an integer), is left out of the import file;
- with ``lms_roster`` (the LMS's own export of the course: Canvas's gradebook export, Moodle's grade
  export), a student whose identifier the LMS does not know is left out too (Moodle aborts a whole
  import on one unknown identifier);
- two students with the same identifier, which the LMS would import onto one person: the export
  refuses and writes nothing.

Students left out go to ``<to stem>-not-imported.csv`` beside the import file (who, why, their
scores, to enter by hand), announced in one warning line. Nobody is dropped silently.

Why these rules: Moodle's CSV grade import (``grade/import/csv/classes/load_data.php``) keeps the
previous row's student when a row's identifier is blank (PHP's ``empty()``, so ``"0"`` too) and aborts
the whole import on an unknown one; Canvas's gradebook import (``app/models/gradebook_importer.rb``)
reads ``ID`` with ``to_i``, then tries ``SIS User ID``, ``SIS Login ID`` and finally the student's name.
Canvas rows fill only the chosen identifier's column, and the ``Student`` column carries the nbgrader
id in brackets, so Canvas never matches a row by another field or by a name it happens to share.
``tests/lmsimport.py`` reads the exported files back by those rules.

A lesson a student did not submit scores 0, as in nbgrader's CSV; late penalties are applied.
Scores are raw points: the LMS grade item must be worth the lesson's maximum (logged on export).
"""
from __future__ import annotations

import csv
import pathlib
import re
import sys
from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Dict, Enum, Unicode

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
# identifier -> (nbgrader student field, the LMS's column for it, in its import and its own export)
CANVAS_IDENTIFIERS = {"id": ("lms_user_id", "ID"), "sis_user_id": ("id", "SIS User ID"),
                      "sis_login_id": ("email", "SIS Login ID")}
MOODLE_IDENTIFIERS = {"email": ("email", "Email address"), "username": ("id", "Username"),
                      "idnumber": ("lms_user_id", "ID number")}
MOODLE_MAX_GRADE = 100.0  # $CFG->gradepointmax: Moodle's import aborts on a grade above it


def _score(gradebook: Gradebook, lesson: str, student: str) -> float:
    """The score that counts: raw score minus late penalty, 0 for no submission."""
    try:
        sub = gradebook.find_submission(lesson, student)
    except MissingEntry:
        return 0.0
    return max(0.0, (sub.score or 0.0) - (sub.late_submission_penalty or 0.0))


def _number(x: float) -> str:
    """Scores as plain numbers: 7 rather than 7.0, no exponent."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _name(student) -> str:
    return " ".join(", ".join(p for p in (student.last_name, student.first_name) if p).split())


@dataclass
class Placement:
    """Where one student's grades go: ``key`` is the identifier written, ``reason`` why not."""

    student: object
    key: str = ""
    reason: str = ""


class ExportRefused(Exception):
    """The LMS would read the file wrongly; nothing was written."""


def read_lms_roster(path: str | pathlib.Path, column: str) -> set[str]:
    """The identifiers in one column of an LMS's own CSV export of the course (header row first;
    Canvas's "Points Possible" row and blank values skipped). Raises ExportRefused when the
    column is missing."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows or column not in [h.strip() for h in rows[0]]:
        found = ", ".join(h.strip() for h in rows[0]) if rows else "nothing"
        raise ExportRefused(f"{path} has no column {column!r} (its header: {found})")
    i = [h.strip() for h in rows[0]].index(column)
    return {r[i].strip() for r in rows[1:] if len(r) > i and r[i].strip() and "Points Possible" not in r[0]}


class _LmsExport(ExportPlugin):
    """Shared: lesson and student selection, placing students, the not-imported file, refusing."""

    # each LMS's exporter defines row(placement, scores) -> list[str] (one student's line of the import file)
    # and header(lessons) -> list[str] (the file's header line); a subclass that misses one is refused here
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [name for name in ("row", "header") if not callable(getattr(cls, name, None))]
        if missing:
            raise TypeError(f"{cls.__name__} must say how its LMS reads the import file: define {', '.join(missing)}")

    default_name = "grades-lms.csv"
    lms_name = "the LMS"
    identifiers: dict = {}
    lms_roster = Unicode("", help="The LMS's own CSV export of the course (Canvas: Grades > Export; Moodle: "
                         "Grades > Export > Plain text file): students whose identifier it does not list are "
                         "left out of the import file and listed in the not-imported file").tag(config=True)

    def _lessons(self, gradebook):
        wanted = {str(a) for a in self.assignment}
        return sorted((a for a in gradebook.assignments if not wanted or a.name in wanted), key=lambda a: a.name)

    def _students(self, gradebook):
        wanted = {str(s) for s in self.student}
        return sorted((s for s in gradebook.students if not wanted or s.id in wanted), key=lambda s: s.id)

    def _field(self) -> tuple[str, str]:
        return self.identifiers[self.identifier]

    def misread(self, key: str) -> str:
        """Why the LMS would read this identifier as something else ("" when it reads it as written)."""
        return ""

    def same(self, key: str) -> str:
        """The form in which the LMS compares identifiers (two keys it cannot tell apart are equal)."""
        return key

    def place(self, students, known: set[str] | None) -> list[Placement]:
        """Each student's identifier, or the reason it is not written; refuses on duplicates."""
        field, column = self._field()
        known_same = None if known is None else {self.same(k) for k in known}
        out = []
        for s in students:
            key = (getattr(s, field) or "").strip()
            if not key:
                out.append(Placement(s, reason=f"no {field} (the {self.lms_name} {column})"))
            elif self.misread(key):
                out.append(Placement(s, reason=self.misread(key)))
            elif known_same is not None and self.same(key) not in known_same:
                out.append(Placement(s, reason=f"{column} {key!r} is not in {self.lms_roster}"))
            else:
                out.append(Placement(s, key=key))
        seen: dict[str, list[str]] = {}
        for p in out:
            if p.key:
                seen.setdefault(self.same(p.key), []).append(p.student.id)
        clashes = {k: ids for k, ids in seen.items() if len(ids) > 1}
        if clashes:
            raise ExportRefused(
                f"{self.lms_name} would import these students onto one person each (same {column}): "
                + "; ".join(f"{k}: {', '.join(ids)}" for k, ids in sorted(clashes.items()))
                + f". Correct their {field} in nbgrader's student table (nbgrader db student add/import)")
        return out

    def check_scores(self, lessons, scores: dict) -> None:
        """Refuse scores the LMS would reject or misread (nothing by default)."""

    def export(self, gradebook: Gradebook) -> None:
        try:
            self._export(gradebook)
        except ExportRefused as exc:
            self.log.error("Export refused, nothing written: %s", exc)
            sys.exit(1)

    def _export(self, gradebook: Gradebook) -> None:
        lessons = self._lessons(gradebook)
        if not lessons:
            raise ExportRefused("no lesson to export (none in the gradebook, or none matches --assignment)")
        known = read_lms_roster(self.lms_roster, self._field()[1]) if self.lms_roster else None
        placed = self.place(self._students(gradebook), known)
        scores = {p.student.id: [_score(gradebook, a.name, p.student.id) for a in lessons] for p in placed}
        self.check_scores(lessons, scores)
        written = [p for p in placed if p.key]
        left = [p for p in placed if not p.key]
        if not written:
            raise ExportRefused(f"no student can be matched in {self.lms_name}: "
                                + "; ".join(f"{p.student.id}: {p.reason}" for p in left))
        dest = pathlib.Path(self.to or self.default_name)
        with dest.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(self.header(lessons))
            for p in written:
                writer.writerow(self.row(p, [_number(x) for x in scores[p.student.id]]))
        aside = dest.with_name(f"{dest.stem}-not-imported.csv")
        if left:
            with aside.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["student_id", "name", "email", "lms_user_id", "why not imported"]
                                + [a.name for a in lessons])
                for p in left:
                    s = p.student
                    writer.writerow([s.id, _name(s), s.email or "", s.lms_user_id or "", p.reason]
                                    + [_number(x) for x in scores[s.id]])
            self.log.warning("%d student(s) left out of %s, their grades are in %s to enter by hand: %s",
                             len(left), dest, aside, "; ".join(f"{p.student.id} ({p.reason})" for p in left))
        elif aside.exists():
            aside.unlink()
        self.log.info("Wrote %d student(s) to %s; each %s grade item must be worth the lesson's maximum: %s",
                      len(written), dest, self.lms_name,
                      ", ".join(f"{a.name} {_number(a.max_score)} points" for a in lessons))


class CanvasExportPlugin(_LmsExport):
    """Canvas's gradebook import: ``Student,ID,SIS User ID,SIS Login ID,Section,<name> (<id>)...``."""

    default_name = "canvas_grades.csv"
    lms_name = "Canvas"
    identifiers = CANVAS_IDENTIFIERS
    identifier = Enum(list(CANVAS_IDENTIFIERS), default_value="id",
                      help="Which Canvas column identifies a student: id (Canvas's ID, nbgrader's lms_user_id), "
                      "sis_user_id (nbgrader's student id) or sis_login_id (nbgrader's e-mail). Only that "
                      "column is filled").tag(config=True)
    assignment_ids = Dict({}, help="Canvas assignment id of each lesson, {'01_gradients': '12345'}; a lesson "
                          "without one gets a column named by the lesson alone, which Canvas imports as a "
                          "new assignment").tag(config=True)
    section = Unicode("", help="Value of the Section column (Canvas ignores it on import)").tag(config=True)

    def misread(self, key):
        if self.identifier == "id" and not re.fullmatch(r"\d+", key):
            return f"lms_user_id {key!r} is not a Canvas ID (Canvas reads it as the number {_ruby_to_i(key)})"
        return ""

    def same(self, key):
        return str(int(key)) if self.identifier == "id" and key.isdigit() else key

    def header(self, lessons):
        return CANVAS_FIXED + [f"{a.name} ({self.assignment_ids[a.name]})" if a.name in self.assignment_ids
                               else a.name for a in lessons]

    def row(self, p, scores):
        s = p.student
        ids = {column: p.key if name == self.identifier else "" for name, (_, column) in CANVAS_IDENTIFIERS.items()}
        # the nbgrader id in brackets: the name is for your eyes, and Canvas never matches a row by it
        return [f"{_name(s) or s.id} [{s.id}]", ids["ID"], ids["SIS User ID"], ids["SIS Login ID"],
                self.section] + scores


class MoodleExportPlugin(_LmsExport):
    """Moodle's CSV grade import: one identifier column, then one numeric column per lesson."""

    default_name = "moodle_grades.csv"
    lms_name = "Moodle"
    identifiers = MOODLE_IDENTIFIERS
    identifier = Enum(list(MOODLE_IDENTIFIERS), default_value="email",
                      help="Which Moodle field identifies a student: email (nbgrader's e-mail), username "
                      "(nbgrader's student id) or idnumber (nbgrader's lms_user_id)").tag(config=True)

    def misread(self, key):
        if key == "0":  # PHP's empty("0") is true: Moodle would give this row to the previous row's student
            return f"{self._field()[0]} '0' reads as blank in Moodle"
        return ""

    def header(self, lessons):
        return [self._field()[1]] + [a.name for a in lessons]

    def row(self, p, scores):
        return [p.key] + scores

    def check_scores(self, lessons, scores):
        over = sorted(sid for sid, xs in scores.items() if any(x > MOODLE_MAX_GRADE for x in xs))
        if over:
            raise ExportRefused(f"Moodle's import refuses grades above {MOODLE_MAX_GRADE:g} (gradepointmax): "
                                + ", ".join(over))


def _ruby_to_i(text: str) -> int:
    """Ruby's String#to_i, which Canvas applies to the ID column: leading digits, 0 when there are none."""
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0
