"""The LMS export plugins through nbgrader's real `nbgrader export --exporter=...` on a real gradebook."""
import csv
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from tools.course import tool_env

# nbgrader's own add_submission trips SQLAlchemy autoflush notes while it builds the submission
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

LESSONS = {"01_gradients": 17.0, "02_gradient_descent": 20.0}
STUDENTS = [  # id, first, last, email, lms_user_id, {lesson: auto score}
    ("ada", "Ada", "Lovelace", "ada@uni.edu", "1001", {"01_gradients": 17.0, "02_gradient_descent": 12.5}),
    ("bob", "Bob", "Byte", "bob@uni.edu", "1002", {"01_gradients": 3.0}),
    ("cy", "Cy", "", None, None, {"02_gradient_descent": 20.0}),  # not in the LMS roster: no e-mail, no LMS id
]


@pytest.fixture
def gradebook_dir(tmp_path):
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
    return tmp_path


def _export(folder, exporter, *extra):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--exporter=coursegrader.reports.lms_export.{exporter}",
                           *extra], cwd=folder, env=tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_canvas_columns_rows_and_unmatched_students(gradebook_dir):
    log = _export(gradebook_dir, "CanvasExportPlugin", "--to", "canvas.csv",
                  "--CanvasExportPlugin.assignment_ids={'01_gradients': '555'}")
    rows = _rows(gradebook_dir / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_gradients (555)",
                       "02_gradient_descent"]
    body = {r[2]: r for r in rows[1:]}
    assert body["ada"] == ["Lovelace, Ada", "1001", "ada", "ada@uni.edu", "", "17", "12.5"]
    assert body["bob"] == ["Byte, Bob", "1002", "bob", "bob@uni.edu", "", "3", "0"]
    assert body["cy"] == ["Cy", "", "cy", "", "", "0", "20"], "a student the LMS cannot match is kept, not dropped"
    assert "cy" in log and "lms_user_id" in log
    assert (gradebook_dir / "canvas.csv.unmatched.txt").read_text().startswith("cy\t")


@pytest.mark.parametrize("identifier, column, ada_key", [("email", "Email address", "ada@uni.edu"),
                                                          ("username", "Username", "ada"),
                                                          ("idnumber", "ID number", "1001")])
def test_moodle_identifier_column_then_one_numeric_column_per_lesson(gradebook_dir, identifier, column, ada_key):
    _export(gradebook_dir, "MoodleExportPlugin", "--to", "moodle.csv",
            f"--MoodleExportPlugin.identifier={identifier}", "--assignment=['01_gradients']")
    rows = _rows(gradebook_dir / "moodle.csv")
    assert rows[0] == [column, "01_gradients"]
    body = dict(rows[1:])
    assert body[ada_key] == "17"
    assert all(float(v) >= 0 for v in body.values())
    unmatched = gradebook_dir / "moodle.csv.unmatched.txt"
    assert unmatched.exists() == (identifier != "username")
