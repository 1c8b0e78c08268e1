"""The LMS export plugins through nbgrader's real `nbgrader export --exporter=...` on a real gradebook,
read back by models of Moodle's and Canvas's own importers (tests/lmsimport.py, which cites their source:
moodle/moodle grade/import/csv/classes/load_data.php and lib/csvlib.class.php, instructure/canvas-lms
app/models/gradebook_importer.rb): every grade lands on its student, or the import refuses.

The class has the students that cost grades before: ones without the identifier (one sorts first, one
right after a matched student: Moodle gave the second one's grade to the student above), ones the LMS
does not know (a dropped student, a test account; Moodle aborted the whole import), an identifier
Moodle reads as blank ("0"), and a dropped student who shares a name with an enrolled one (Canvas
matched the row by name, onto the wrong person)."""
import csv
import re
import subprocess
import sys

import pytest
from lmsimport import CanvasStudent, MoodleImportAborted, canvas_import, moodle_import
from nbgrader.api import Gradebook

from coursegrader.coursedir import tool_env
from tools.editions import ROOT

# nbgrader's own add_submission trips SQLAlchemy autoflush notes while it builds the submission
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

LESSONS = {"01_gradients": 17.0, "02_gradient_descent": 20.0}
STUDENTS = [  # id, first, last, email, lms_user_id, {lesson: auto score}
    ("aaron", "Aaron", "Abel", None, None, {"01_gradients": 9.0}),          # not in the roster, sorts first
    ("ada", "Ada", "Lovelace", "ada@uni.edu", "1001", {"01_gradients": 17.0, "02_gradient_descent": 12.5}),
    ("adam", "Adam", "Ant", None, None, {"01_gradients": 2.0}),             # no identifier, right after ada
    ("bob", "Bob", "Byte", "bob@uni.edu", "1002", {"01_gradients": 3.0}),
    ("dee", "Sam", "Smith", "dee@old.edu", "9999", {"01_gradients": 16.0}),  # dropped; same name as sam
    ("eve", "Eve", "Zero", "eve@uni.edu", "0", {"02_gradient_descent": 7.25}),  # "0": blank to Moodle
    ("sam", "Sam", "Smith", "sam@uni.edu", "1005", {"01_gradients": 4.0, "02_gradient_descent": 20.0}),
    ("test", "Test", "Account", "test@example.org", "1", {"01_gradients": 17.0}),  # a test account
]
# The LMS's side: who is enrolled, under which identifiers (eve is enrolled, with no ID number)
MOODLE_USERS = {11: {"email": "ada@uni.edu", "username": "ada", "idnumber": "1001"},
                12: {"email": "bob@uni.edu", "username": "bob", "idnumber": "1002"},
                13: {"email": "eve@uni.edu", "username": "eve", "idnumber": ""},
                15: {"email": "sam@uni.edu", "username": "sam", "idnumber": "1005"},
                20: {"email": "hal@uni.edu", "username": "hal", "idnumber": "1020"}}  # not in nbgrader
CANVAS_STUDENTS = [CanvasStudent(1001, "Ada Lovelace", "Lovelace, Ada", "ada", "ada@uni.edu"),
                   CanvasStudent(1002, "Bob Byte", "Byte, Bob", "bob", "bob@uni.edu"),
                   CanvasStudent(1003, "Eve Zero", "Zero, Eve", "eve", "eve@uni.edu"),
                   CanvasStudent(1005, "Sam Smith", "Smith, Sam", "sam", "sam@uni.edu"),
                   CanvasStudent(1020, "Hal Hat", "Hat, Hal", "hal", "hal@uni.edu")]
NBGRADER_OF_MOODLE = {11: "ada", 12: "bob", 13: "eve", 15: "sam", 20: "hal"}
NBGRADER_OF_CANVAS = {1001: "ada", 1002: "bob", 1003: "eve", 1005: "sam", 1020: "hal"}


def _total(sid, lesson):
    return next(s for s in STUDENTS if s[0] == sid)[5].get(lesson, 0.0)


@pytest.fixture
def course(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, course_id="optim-nn") as gb:
        for lesson, points in LESSONS.items():
            gb.update_or_create_assignment(lesson)
            gb.add_notebook(lesson, lesson)
            gb.add_grade_cell("ex_grade", lesson, lesson, max_score=points, cell_type="code")
        for sid, first, last, email, lms, scores in STUDENTS:
            gb.add_student(sid, first_name=first, last_name=last, email=email, lms_user_id=lms)
            for lesson, score in scores.items():
                gb.add_submission(lesson, sid)
                gb.find_grade("ex_grade", lesson, lesson, sid).auto_score = score
        gb.db.commit()
    (tmp_path / "nbgrader_config.py").write_text(
        f'c = get_config()\nc.CourseDirectory.course_id = "optim-nn"\nc.CourseDirectory.db_url = "{url}"\n')
    # the LMSs' own exports of the course (Moodle: Grades > Export > Plain text; Canvas: Grades > Export)
    with open(tmp_path / "moodle_export.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["First name", "Last name", "ID number", "Institution", "Department", "Email address",
                    "Username", "Assignment: 01_gradients (Real)", "Last downloaded from this course"])
        for u in MOODLE_USERS.values():
            w.writerow(["x", "y", u["idnumber"], "", "", u["email"], u["username"], "-", "1700000000"])
    with open(tmp_path / "canvas_export.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_gradients (555)"])
        w.writerow(["    Points Possible", "", "", "", "", "17.00"])
        for s in CANVAS_STUDENTS:
            w.writerow([s.sortable_name, s.id, s.sis_user_id, s.login_id, "Optim", ""])
    return tmp_path


def _export(folder, exporter, *extra, ok=True):
    plugin = f"coursegrader.reports.lms_export.{exporter}"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--exporter={plugin}",
                           *extra], cwd=folder, env=tool_env(), capture_output=True, text=True)
    assert (proc.returncode == 0) == ok, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _not_imported(path):
    if not path.exists():
        return {}
    with open(path, newline="") as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


def _accounted(recorded_by_sid, aside, lessons):
    """Every nbgrader student is either imported with exactly their scores or listed, with their
    scores, in the not-imported file; no LMS student received anything that is not theirs."""
    for sid, *_ in STUDENTS:
        if sid in recorded_by_sid:
            assert sid not in aside, sid
            for lesson in lessons:
                assert recorded_by_sid[sid][lesson] == _total(sid, lesson), (sid, lesson)
        else:
            assert sid in aside, f"{sid} is neither imported nor listed as not imported"
            for lesson in lessons:
                assert float(aside[sid][lesson]) == _total(sid, lesson)
    assert "hal" not in recorded_by_sid


@pytest.mark.parametrize("identifier, field", [("email", "email"), ("username", "username"),
                                               ("idnumber", "idnumber")])
def test_moodle_import_places_every_grade_on_its_student(course, identifier, field):
    log = _export(course, "MoodleExportPlugin", "--to", "moodle.csv", f"--MoodleExportPlugin.identifier={identifier}",
                  "--MoodleExportPlugin.lms_roster=moodle_export.csv")
    text = (course / "moodle.csv").read_text()
    recorded = moodle_import(text, field, MOODLE_USERS)
    by_sid = {NBGRADER_OF_MOODLE[uid]: {k: float(v) for k, v in grades.items()} for uid, grades in recorded.items()}
    aside = _not_imported(course / "moodle-not-imported.csv")
    _accounted(by_sid, aside, LESSONS)
    assert {"aaron", "adam", "dee", "test"} <= set(aside)  # no identifier, or unknown to Moodle
    assert ("eve" in aside) == (identifier == "idnumber")  # "0" reads as blank; no idnumber in Moodle
    assert re.search(r"WARNING.*\d+ student\(s\) left out of moodle\.csv.*moodle-not-imported\.csv", log)
    assert len([line for line in log.splitlines() if "left out" in line]) == 1, "one warning line"
    assert "01_gradients 17 points" in log and "02_gradient_descent 20 points" in log


def test_moodle_without_its_roster_refuses_the_stray_student_instead_of_misplacing_a_grade(course):
    """Without lms_roster the exporter cannot know a test account is not in Moodle: Moodle refuses
    the file (naming the identifier); it never records a grade on the wrong student."""
    _export(course, "MoodleExportPlugin", "--to", "moodle.csv")
    with pytest.raises(MoodleImportAborted, match="test@example.org|dee@old.edu"):
        moodle_import((course / "moodle.csv").read_text(), "email", MOODLE_USERS)
    aside = _not_imported(course / "moodle-not-imported.csv")
    assert set(aside) == {"aaron", "adam"}, "students without an e-mail are never written"
    # with the strays removed from the file, as the instructor would after Moodle's message, all land right
    kept = [line for line in (course / "moodle.csv").read_text().splitlines()
            if not line.startswith(("test@", "dee@"))]
    recorded = moodle_import("\n".join(kept), "email", MOODLE_USERS)
    assert {NBGRADER_OF_MOODLE[u] for u in recorded} == {"ada", "bob", "eve", "sam"}
    for uid, grades in recorded.items():
        for lesson, grade in grades.items():
            assert grade == _total(NBGRADER_OF_MOODLE[uid], lesson)


@pytest.mark.parametrize("identifier", ["id", "sis_user_id", "sis_login_id"])
@pytest.mark.parametrize("roster", [True, False])
def test_canvas_import_places_every_grade_on_its_student(course, identifier, roster):
    extra = ["--CanvasExportPlugin.lms_roster=canvas_export.csv"] if roster else []
    _export(course, "CanvasExportPlugin", "--to", "canvas.csv", f"--CanvasExportPlugin.identifier={identifier}",
            "--CanvasExportPlugin.assignment_ids={'01_gradients': '555'}", *extra)
    rows = list(csv.reader(open(course / "canvas.csv", newline="")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_gradients (555)",
                       "02_gradient_descent"]
    result = canvas_import((course / "canvas.csv").read_text(), CANVAS_STUDENTS)
    by_sid = {NBGRADER_OF_CANVAS[cid]: {("01_gradients" if k.startswith("01_") else k): float(v)
                                        for k, v in grades.items()} for cid, grades in result.grades.items()}
    aside = _not_imported(course / "canvas-not-imported.csv")
    # what Canvas could not match it shows the teacher as unknown students: listed, never imported
    for name in result.unknown:
        aside.setdefault(re.search(r"\[(\w+)\]$", name).group(1), None)
    for sid in list(aside):
        if aside[sid] is None:
            aside[sid] = {lesson: _total(sid, lesson) for lesson in LESSONS}
    _accounted(by_sid, aside, LESSONS)
    assert "dee" not in by_sid, "dee shares Sam Smith's name: Canvas must not match her row by it"
    if roster:
        assert not result.unknown, "with Canvas's own export, every row written is one Canvas knows"


def test_canvas_id_that_is_not_a_number_is_not_written(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="optim-nn") as gb:
        gb.update_or_create_student("bob", lms_user_id="1002b")
    _export(course, "CanvasExportPlugin", "--to", "canvas.csv")
    aside = _not_imported(course / "canvas-not-imported.csv")
    assert "not a Canvas ID" in aside["bob"]["why not imported"] and "1002" in aside["bob"]["why not imported"]
    assert "bob" not in (course / "canvas.csv").read_text()


def test_two_students_with_one_identifier_refuse_the_export(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="optim-nn") as gb:
        gb.update_or_create_student("bob", email=" ada@uni.edu")
    log = _export(course, "MoodleExportPlugin", "--to", "moodle.csv", ok=False)
    assert "Export refused, nothing written" in log and "ada@uni.edu: ada, bob" in log
    assert not (course / "moodle.csv").exists()


def test_the_guides_roster_columns_carry_what_both_lmss_match_on(course, tmp_path):
    """The roster format docs/INSTRUCTORS.md gives, imported with nbgrader's own command, is enough for
    both exports to place every student (Canvas's ID is lms_user_id, Moodle's default the e-mail)."""
    guide = (ROOT / "docs" / "INSTRUCTORS.md").read_text()
    columns = re.search(r"nbgrader db student import students\.csv\s+# columns: ([\w,]+)", guide).group(1).split(",")
    assert {"id", "email", "lms_user_id"} <= set(columns)
    with open(course / "students.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerow({"id": "aaron", "first_name": "Aaron", "last_name": "Abel", "email": "aaron@uni.edu",
                    "lms_user_id": "1030"})
        w.writerow({"id": "adam", "first_name": "Adam", "last_name": "Ant", "email": "adam@uni.edu",
                    "lms_user_id": "1031"})
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv"], cwd=course,
                          env=tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    _export(course, "CanvasExportPlugin", "--to", "canvas.csv")
    _export(course, "MoodleExportPlugin", "--to", "moodle.csv")
    for stem in ("canvas", "moodle"):
        aside = _not_imported(course / f"{stem}-not-imported.csv")
        assert "aaron" not in aside and "adam" not in aside, stem
