"""Submissions from an LMS's "download all" zip: ``nbgrader zip_collect`` collectors for Canvas and Moodle.

nbgrader's ``zip_collect`` extracts the zip and asks a collector plugin (``--collector=``, a subclass
of nbgrader's ``FileNameCollectorPlugin``) who submitted each file. Its own plugin needs a regular
expression that captures the nbgrader student id from the file's *absolute* path. An LMS names files
by its own ids, not nbgrader's, so these collectors capture the LMS's identifier and look the student
up in nbgrader's student table (the roster you imported)::

    nbgrader zip_collect 01_gradients --force --collector=coursegrader.reports.lms_collect.CanvasCollector
    nbgrader zip_collect 01_gradients --force --collector=coursegrader.reports.lms_collect.MoodleCollector

- Canvas names a file ``<sortable name>[_late]_<Canvas user id>_<file id>_<original name>``
  (lower case, ``[^a-z0-9_]`` removed; instructure/canvas-lms ``lib/content_zipper.rb``). The user id
  is the student's ``lms_user_id``.
- Moodle (3.1 and later) puts each student's files in a folder ``<Full name>_<participant id>_
  assignsubmission_file`` (mod/assign ``download_submissions``). The participant id is private to the
  assignment, so the student is found by name: first and last name in either order, compared the way
  Moodle writes them (``_`` as a space, ``&<>"`|':\\/`` dropped, case and accents' composition ignored).
  A name that fits no student, or two, is skipped with a warning naming the file: nothing is guessed.

A resubmitted file that the LMS renamed (``01_gradients-1.ipynb``, ``01_gradients (1).ipynb``) is
collected under the lesson's notebook name. Any collector's ``named_regexp`` may capture
``student_id`` (used as is), ``lms_user_id``, ``email`` or ``name``.
"""
from __future__ import annotations

import re
import unicodedata

from nbgrader.api import Gradebook
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import find_all_notebooks
from traitlets import Unicode

CANVAS_REGEXP = r"(?:.*/)?[^/]*?_(?:late_)?(?P<lms_user_id>\d+)_\d+_(?P<file_id>[^/]+)$"
MOODLE_REGEXP = r"(?:.*/)?(?P<name>[^/]+)_\d+_assignsubmission_file(?:/|_)(?P<file_id>[^/]+)$"
_RENAMED = re.compile(r"(?:-\d+| ?\(\d+\))(?=\.ipynb$)")


def moodle_name(text: str) -> str:
    """A name as Moodle writes it into a folder name, compared without case or spacing differences."""
    text = unicodedata.normalize("NFC", text or "").replace("_", " ")
    text = re.sub(r"[\x00-\x1f\x7f&<>\"`|':\\/]", "", text)
    return " ".join(text.casefold().split())


class RosterCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, with the captured LMS identifier looked up in the roster."""

    def _roster(self):
        if not hasattr(self, "_students"):
            coursedir = self.parent.coursedir
            with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
                self._students = [(s.id, s.lms_user_id or "", s.email or "", s.first_name or "", s.last_name or "")
                                  for s in gb.students]
        return self._students

    def _released(self) -> list[str]:
        coursedir = self.parent.coursedir
        return find_all_notebooks(coursedir.format_path(coursedir.release_directory, ".", coursedir.assignment_id))

    def _who(self, found: dict, path: str) -> str | None:
        def one(matches, what):
            if len(matches) == 1:
                return matches[0]
            why = "no student" if not matches else f"{len(matches)} students ({', '.join(matches)})"
            self.log.warning("Skipped %s: %s with %s in the gradebook; add the student (nbgrader db student "
                             "add/import) or copy the file to submitted/<student>/ by hand", path, why, what)
            return None

        if found.get("student_id"):
            return found["student_id"]
        roster = self._roster()
        if found.get("lms_user_id"):
            key = found["lms_user_id"].strip()
            same = (lambda v: v.isdigit() and int(v) == int(key)) if key.isdigit() else (lambda v: v == key)
            return one([s[0] for s in roster if same(s[1].strip())], f"lms_user_id {key}")
        if found.get("email"):
            key = found["email"].strip().casefold()
            return one([s[0] for s in roster if s[2].strip().casefold() == key], f"e-mail {found['email']}")
        if found.get("name"):
            key = moodle_name(found["name"])
            return one([s[0] for s in roster if key in {moodle_name(f"{s[3]} {s[4]}"), moodle_name(f"{s[4]} {s[3]}")}],
                       f"the name {found['name']!r}")
        self.log.warning("Skipped %s: the regular expression captured no student_id, lms_user_id, email or name",
                         path)
        return None

    def collect(self, submitted_file: str):
        found = super().collect(submitted_file)
        if not found:
            return None
        student = self._who(found, submitted_file)
        if student is None:
            return None
        file_id = found["file_id"]
        released = self._released()
        if file_id not in released and _RENAMED.sub("", file_id) in released:
            file_id = _RENAMED.sub("", file_id)
        out = {"student_id": student, "file_id": file_id}
        if found.get("timestamp"):
            out["timestamp"] = found["timestamp"]
        return out


class CanvasCollector(RosterCollector):
    """Canvas's "Download Submissions" zip: files named by the student's Canvas user id (``lms_user_id``)."""

    named_regexp = Unicode(CANVAS_REGEXP, help="Canvas: <name>[_late]_<Canvas user id>_<file id>_<file>; "
                           "captures lms_user_id and file_id").tag(config=True)


class MoodleCollector(RosterCollector):
    """Moodle's "Download all submissions" zip: a folder per student, named by the student's full name."""

    named_regexp = Unicode(MOODLE_REGEXP, help="Moodle: <Full name>_<participant id>_assignsubmission_file/<file>; "
                           "captures name and file_id").tag(config=True)
