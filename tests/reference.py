"""Reference results of the grading suites, recorded before the grading core was redrawn.

``snapshot(course, lesson)`` reads, for every student of a graded course, the scores nbgrader
stored in the gradebook and the text of every grade cell of the autograded notebook (the report a
student reads in the feedback). ``matches(name, data)`` compares that with
``tests/reference_results/<name>.json``; with ``COURSEKIT_RECORD_REFERENCE=1`` it writes the file
instead. Texts are normalised for what legitimately varies between runs: the throw-away course's
path (nothing in a report is timed). Compared, not recorded: a number shown with more than 12
significant digits is compared to 12, because the last bits of a float computed through torch's
kernels differ between CPUs (a torch-trained loss printed as ...253 on the recording machine is
...252 on another Xeon); scores are compared exactly.
"""
from __future__ import annotations

import json
import os
import pathlib
import re

import nbformat

from coursegrader.coursedir import gradebook
from coursegrader.grading.protocol import is_grade_cell, nbgrader_meta

FOLDER = pathlib.Path(__file__).parent / "reference_results"
RECORD = os.environ.get("COURSEKIT_RECORD_REFERENCE") == "1"
RECORD_TO = pathlib.Path(os.environ.get("COURSEKIT_REFERENCE_DIR") or FOLDER)  # where recording writes


def normalise(text: str, course: pathlib.Path) -> str:
    """``text`` with the course's temporary path replaced by ``<course>``."""
    for root in {str(course), str(pathlib.Path(course).resolve())}:
        text = text.replace(root, "<course>")
    return text


def _output_text(out) -> str:
    if out.output_type == "stream":
        return f"[{out.name}] {out.text}"
    if out.output_type == "error":
        return f"[error] {out.get('ename', '')}: {out.get('evalue', '')}"
    data = out.get("data", {})
    return f"[{out.output_type}] {data.get('text/plain', '')}"


def snapshot(course: pathlib.Path, lesson: str, students=None) -> dict:
    """{student: {"scores": {grade cell: score}, "reports": {grade cell: text}}} of a graded lesson."""
    found = {}
    with gradebook(course) as gb:
        for sub in gb.assignment_submissions(lesson):
            if students is not None and sub.student_id not in students:
                continue
            grades = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
            found[sub.student_id] = {"scores": dict(sorted(grades.items()))}
    for student, entry in found.items():
        path = course / "autograded" / student / lesson / f"{lesson}.ipynb"
        nb = nbformat.read(path, as_version=4)
        reports = {}
        for cell in nb.cells:
            if is_grade_cell(cell):
                text = "".join(_output_text(o) for o in cell.get("outputs", []))
                reports[nbgrader_meta(cell)["grade_id"]] = normalise(text, course)
        entry["reports"] = reports
    return dict(sorted(found.items()))


_LONG_FLOAT = re.compile(r"-?\d+\.\d{12,}(?:e[-+]?\d+)?")


def machine_free(text: str) -> str:
    """``text`` with every number of more than 12 significant digits shown to 12."""
    return _LONG_FLOAT.sub(lambda m: f"{float(m.group()):.12g}", text)


def load(name: str) -> dict:
    """The recorded reference ``name`` (tests/reference_results/<name>.json)."""
    return json.loads((FOLDER / f"{name}.json").read_text())


def matches(name: str, data: dict, students: list[str] | None = None) -> None:
    """Assert ``data`` equals the recorded reference ``name`` (or record it); with ``students``,
    ``data`` holds exactly those students and is compared with their part of the reference."""
    path = FOLDER / f"{name}.json"
    data = json.loads(json.dumps(data))  # the JSON form: tuples as lists, keys as strings
    if RECORD:
        if students is not None:
            raise RuntimeError(f"{name}: a reference is recorded from the whole class, not from {len(students)} "
                               "of its students")
        RECORD_TO.mkdir(exist_ok=True)
        (RECORD_TO / path.name).write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        return
    reference = load(name)
    if students is not None:
        assert set(students) <= set(reference), f"{name}: no reference for {sorted(set(students) - set(reference))}"
        reference = {s: reference[s] for s in students}
    assert sorted(data) == sorted(reference), "students differ from the reference"
    for student in reference:
        assert data[student]["scores"] == reference[student]["scores"], f"{name}: {student}'s scores changed"
        for grade_id, text in reference[student]["reports"].items():
            got = data[student]["reports"].get(grade_id)
            assert got is not None and machine_free(got) == machine_free(text), \
                f"{name}: {student}'s {grade_id} report changed"
        assert sorted(data[student]["reports"]) == sorted(reference[student]["reports"]), \
            f"{name}: {student}'s grade cells changed"
        assert set(data[student]) == set(reference[student]), f"{name}: {student}'s results changed"
