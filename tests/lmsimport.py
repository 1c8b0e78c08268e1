"""Moodle's and Canvas's grade-CSV importers, as their source code reads a file, for the export tests.

Each function follows the importer's own rules, step by step, on the LMS's side of the data (its
users), and returns what the LMS would record, so a test can check that every grade lands on its
student. Nothing here is the course's code: it is a model of the two LMSs, from their sources.

Moodle (moodle/moodle, ``lib/csvlib.class.php`` ``csv_import_reader::load_csv_content`` and
``grade/import/csv/classes/load_data.php`` ``prepare_import_grade_data``):
- the content is trimmed, ``\\r\\n`` made ``\\n``, parsed with ``fgetcsv`` (``"`` encloses); every
  row must have the header's number of columns, else the file is refused (``csvweirdcolumns``);
- a row of at most one column is skipped; every value is trimmed;
- the identifier column is looked up only when ``!empty($value)``: PHP's ``empty`` is true for ``""``
  and ``"0"``, and ``$this->studentid`` is not reset between rows, so such a row's grades go to the
  previous row's student; in the first row there is none, and the import aborts
  (``usermappingerrorusernotfound``);
- an identifier that matches no user (or several) aborts the whole import (``usermappingerror``);
- a grade ``""`` or ``"-"`` is no grade; a non-number aborts (``badgrade``); one above
  ``gradepointmax`` (100 by default) aborts (``gradevaluetoobig``).

Canvas (instructure/canvas-lms, ``app/models/gradebook_importer.rb``):
- the delimiter is ``;`` when the first three lines split into more, equally many, fields on ``;``
  than on ``,``; lines of only ``;``, ``,`` and spaces are skipped;
- the header must start ``Student``, ``ID`` (row length > 3); ``SIS User ID`` + ``SIS Login ID`` (or
  ``SIS Login ID`` alone) may follow, then ``Section``, which must end the student columns
  (``InvalidHeaderRow`` otherwise); an assignment column ``Title (123)`` maps to assignment 123;
- rows whose first cell holds ``Points Possible`` and rows of blanks/``Muted`` are not students;
- a row's student: ``ID.to_i`` among the course's students; else the ``SIS User ID``, else the
  ``SIS Login ID`` (the logins); else a student whose name or sortable name equals ``Student``;
  else a new, unknown student, which Canvas lists for the teacher instead of importing;
- grades are stripped; a decimal comma becomes a point.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field


class MoodleImportAborted(Exception):
    """Moodle stops the whole import: nothing is recorded."""


def _php_empty(value: str) -> bool:
    return value in ("", "0")


def _unformat_float(value: str) -> float | None:
    if re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", value):
        return float(value.replace(",", "."))
    return None


def moodle_import(text: str, field_name: str, users: dict[int, dict], max_grade: float = 100.0,
                  id_column: int = 0) -> dict[int, dict[str, float | None]]:
    """Moodle's CSV grade import of ``text``: the identifier in column ``id_column`` mapped to the user
    field ``field_name`` (email, username or idnumber), every other column to the grade item of its
    header's name. ``users``: Moodle user id -> {field: value}. Returns user id -> {item: grade}."""
    content = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip()
    rows = [r for r in csv.reader(io.StringIO(content)) if r != []]
    if not rows:
        raise MoodleImportAborted("csvemptyfile")
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise MoodleImportAborted("csvweirdcolumns")
    header = [h.strip() for h in rows[0]]
    recorded: dict[int, dict[str, float | None]] = {}
    student = None
    for line in rows[1:]:
        if len(line) <= 1:
            continue
        grades = {}
        for key, value in enumerate(line):
            value = value.strip()
            if key == id_column:
                if not _php_empty(value):
                    found = [uid for uid, u in users.items() if u.get(field_name) == value]
                    if len(found) != 1:
                        raise MoodleImportAborted(f"usermappingerror: {field_name} {value!r}")
                    student = found[0]
                continue
            if value in ("", "-"):
                grades[header[key]] = None
                continue
            number = _unformat_float(value)
            if number is None:
                raise MoodleImportAborted(f"badgrade: {value!r}")
            grades[header[key]] = number
        if student is None:
            raise MoodleImportAborted("usermappingerrorusernotfound")
        for grade in grades.values():
            if grade is not None and grade > max_grade:
                raise MoodleImportAborted(f"gradevaluetoobig: {grade}")
        recorded.setdefault(student, {}).update(grades)
    return recorded


@dataclass
class CanvasStudent:
    id: int
    name: str           # "Ada Lovelace"
    sortable_name: str  # "Lovelace, Ada"
    sis_user_id: str = ""
    login_id: str = ""


@dataclass
class CanvasImport:
    grades: dict = field(default_factory=dict)      # Canvas user id -> {assignment column: grade}
    unknown: list = field(default_factory=list)     # names of rows Canvas could not match (shown to the teacher)


class CanvasInvalidHeader(Exception):
    """Canvas's "Invalid header row": the upload fails."""


def _delimiter(lines: list[str]) -> str:
    counts = {}
    for sep in (";", ","):
        try:
            sizes = [len(next(csv.reader([line], delimiter=sep))) for line in lines]
        except (csv.Error, StopIteration):
            sizes = [0, 1]
        counts[sep] = sizes[0] if len(set(sizes)) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def canvas_import(text: str, students: list[CanvasStudent]) -> CanvasImport:
    """Canvas's gradebook CSV import of ``text`` against the course's ``students``."""
    lines = text.lstrip("\ufeff").splitlines()
    sep = _delimiter(lines[:3])
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)
            if not re.fullmatch(r"[;, ]+", sep.join(r)) and r]
    rows = [[(c.strip() if c is not None else c) for c in r] for r in rows]
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise CanvasInvalidHeader(header)
    n = 3
    sis_col = login_col = None
    if re.search(r"SIS\s+Login\s+ID", header[n - 1]):
        login_col, n = n - 1, n + 1
    elif re.search(r"SIS\s+User\s+ID", header[n - 1]) and re.search(r"SIS\s+Login\s+ID", header[n]):
        extra = 1 if re.search(r"Integration\s+ID", header[n + 1] if len(header) > n + 1 else "") else 0
        sis_col, login_col, n = n - 1, n, n + 2 + extra
    if "Section" not in header[n - 1]:
        raise CanvasInvalidHeader(header)
    assignments = list(range(n, len(header)))
    by_id = {s.id: s for s in students}
    result = CanvasImport()
    for row in rows[1:]:
        if row and "Points Possible" in row[0]:
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "", re.I) for c in row):
            continue
        student = None
        if row[1]:
            student = by_id.get(_ruby_to_i(row[1]))
        if student is None and sis_col is not None and row[sis_col]:
            student = next((s for s in students if s.sis_user_id == row[sis_col]), None)
        if student is None and login_col is not None and row[login_col]:
            student = next((s for s in students if s.login_id == row[login_col]), None)
        if student is None:
            student = next((s for s in students if row[0] in (s.name, s.sortable_name)), None)
        if student is None:
            result.unknown.append(row[0])
            continue
        grades = {}
        for i in assignments:
            value = row[i]
            if re.fullmatch(r"-?[0-9.,]+%?", value):
                parts = re.split(r"[,.]", value)
                value = parts[-1] if len(parts) == 1 else "".join(parts[:-1]) + "." + parts[-1]
            grades[header[i]] = value
        result.grades.setdefault(student.id, {}).update(grades)
    return result


def _ruby_to_i(text: str) -> int:
    match = re.match(r"\s*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0
