"""Grades into a learning management system: ``nbgrader export`` plugins for Canvas and Moodle.

nbgrader's own ``export`` writes one row per (lesson, student); an LMS imports one row per student
with one column per grade item. These plugins use nbgrader's public export-plugin mechanism::

    nbgrader export --exporter=coursegrader.reports.lms_export.CanvasExportPlugin --to canvas.csv
    nbgrader export --exporter=coursegrader.reports.lms_export.MoodleExportPlugin --to moodle.csv

Students are matched to the LMS by nbgrader's student table: Canvas by ``lms_user_id`` (its ``ID``
column), the nbgrader id (``SIS User ID``) and the e-mail (``SIS Login ID``); Moodle by one identifier
column of the instructor's choice (``MoodleExportPlugin.identifier``: the e-mail, the nbgrader id as
username, or ``lms_user_id`` as ID number). A student the LMS could not match (no value for the
matching field) is still written, with the field empty, and listed in the log and in
``<to>.unmatched.txt``: nobody is dropped silently. A lesson a student did not submit scores 0, as
in nbgrader's CSV; late penalties are applied.
"""
from __future__ import annotations

import csv
import pathlib

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Dict, Enum, Unicode

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTIFIERS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


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


class _LmsExport(ExportPlugin):
    """Shared selection (``--assignment``, ``--student``) and the unmatched-student report."""

    default_name = "grades-lms.csv"

    def _lessons(self, gradebook):
        wanted = {str(a) for a in self.assignment}
        return [a for a in gradebook.assignments if not wanted or a.name in wanted]

    def _students(self, gradebook):
        wanted = {str(s) for s in self.student}
        return [s for s in gradebook.students if not wanted or s.id in wanted]

    def _write(self, header, rows, unmatched, why):
        dest = pathlib.Path(self.to or self.default_name)
        with dest.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        report = dest.with_name(dest.name + ".unmatched.txt")
        if unmatched:
            report.write_text("".join(f"{sid}\t{why}\n" for sid in unmatched))
            self.log.warning("%d student(s) have no %s, so the LMS cannot match them (rows kept, field empty): %s; "
                             "listed in %s", len(unmatched), why, ", ".join(unmatched), report)
        elif report.exists():
            report.unlink()
        self.log.info("Wrote %d student(s) to %s", len(rows), dest)


class CanvasExportPlugin(_LmsExport):
    """Canvas's gradebook import: ``Student,ID,SIS User ID,SIS Login ID,Section,<name> (<id>)...``."""

    default_name = "canvas_grades.csv"
    assignment_ids = Dict({}, help="Canvas assignment id of each lesson, {'01_gradients': '12345'}; a lesson "
                          "without one gets a column named by the lesson alone, which Canvas imports as a "
                          "new assignment").tag(config=True)
    section = Unicode("", help="Value of the Section column (Canvas ignores it on import)").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        lessons = self._lessons(gradebook)
        header = CANVAS_FIXED + [f"{a.name} ({self.assignment_ids[a.name]})" if a.name in self.assignment_ids
                                 else a.name for a in lessons]
        rows, unmatched = [], []
        for s in self._students(gradebook):
            if not s.lms_user_id:
                unmatched.append(s.id)
            name = ", ".join(p for p in (s.last_name, s.first_name) if p) or s.id
            rows.append([name, s.lms_user_id or "", s.id, s.email or "", self.section]
                        + [_number(_score(gradebook, a.name, s.id)) for a in lessons])
        self._write(header, rows, unmatched, "lms_user_id (Canvas ID)")


class MoodleExportPlugin(_LmsExport):
    """Moodle's CSV grade import: one identifier column, then one numeric column per lesson."""

    default_name = "moodle_grades.csv"
    identifier = Enum(list(MOODLE_IDENTIFIERS), default_value="email",
                      help="Which Moodle field identifies a student: email (nbgrader's e-mail), username "
                      "(nbgrader's student id) or idnumber (nbgrader's lms_user_id)").tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        lessons = self._lessons(gradebook)
        field = {"email": "email", "username": "id", "idnumber": "lms_user_id"}[self.identifier]
        header = [MOODLE_IDENTIFIERS[self.identifier]] + [a.name for a in lessons]
        rows, unmatched = [], []
        for s in self._students(gradebook):
            key = getattr(s, field) or ""
            if not key:
                unmatched.append(s.id)
            rows.append([key] + [_number(_score(gradebook, a.name, s.id)) for a in lessons])
        self._write(header, rows, unmatched, f"{field} (Moodle {MOODLE_IDENTIFIERS[self.identifier]})")
