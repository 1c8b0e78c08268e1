"""The guide's LMS-zip recipe, run as docs/INSTRUCTORS.md writes it (its commands, through bash, with the
zip in ~/Downloads), with real `nbgrader zip_collect` on a Canvas-style and a Moodle-style download:
every notebook lands in submitted/<nbgrader student id>/, found through the roster, and a file whose
student the roster cannot tell is skipped with a warning, never given to someone else.

File naming as the LMSs write it: Canvas (instructure/canvas-lms lib/content_zipper.rb) names a file
<sortable name, lower case, non-word characters removed>[_late]_<user id>_<attachment id>_<file name>;
Moodle (mod/assign download_submissions, 3.1+) puts each student's files in a folder
<full name, clean_filename>_<participant id>_assignsubmission_file/."""
from __future__ import annotations

import re
import subprocess
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from coursegrader.coursedir import tool_env
from tools.editions import ROOT

LESSON = "01_gradients"
ROSTER = [  # id, first, last, lms_user_id
    ("ada", "Ada", "Lovelace", "1001"), ("bob", "Bob", "Byte", "1002"), ("sam", "Sam", "Smith", "1005"),
    ("dee", "Sam", "Smith", "1006"), ("zoe", "Zoë", "O'Brien", "1007"), ("ann", "Ann", "Le Guin", "1008")]
CANVAS = {  # file in the zip -> whose it is (None: must be skipped)
    "lovelaceada_1001_9001_01_gradients.ipynb": "ada",
    "bytebob_late_1002_9002_01_gradients-1.ipynb": "bob",      # late, resubmitted: Canvas renamed the file
    "smithsam_1005_9003_01_gradients.ipynb": "sam",
    "smithsam_1006_9004_01_gradients.ipynb": "dee",            # same name, told apart by the Canvas id
    "obrienzoe_1007_9005_01_gradients.ipynb": "zoe",
    "strangerx_4242_9006_01_gradients.ipynb": None,           # not in the roster
}
MOODLE = {
    "Ada Lovelace_301_assignsubmission_file/01_gradients.ipynb": "ada",
    "Bob Byte_302_assignsubmission_file/01_gradients (1).ipynb": "bob",
    "Zoë OBrien_305_assignsubmission_file/01_gradients.ipynb": "zoe",   # clean_filename drops the apostrophe
    "Ann Le Guin_306_assignsubmission_file/01_gradients.ipynb": "ann",
    "Sam Smith_303_assignsubmission_file/01_gradients.ipynb": None,     # two Sam Smiths: cannot tell
    "Max Mustermann_307_assignsubmission_file/01_gradients.ipynb": None,  # not in the roster
}


def _guide_commands(lms: str) -> list[str]:
    """The bash block of the guide's "From an LMS zip" recipe: the shared lines and this LMS's line."""
    guide = (ROOT / "docs" / "INSTRUCTORS.md").read_text()
    section = guide[guide.index("**From an LMS zip**"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    tagged = [line for line in lines if re.search(r"#\s*(Canvas|Moodle)\s*$", line)]
    assert {re.search(r"#\s*(\w+)\s*$", t).group(1) for t in tagged} == {"Canvas", "Moodle"}
    return [line for line in lines if line not in tagged or line.endswith(f"# {lms}")]


def _notebook(owner: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"# written by {owner}"))
    return nb


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "course"
    (folder / "release" / LESSON).mkdir(parents=True)
    nbformat.write(_notebook("release"), folder / "release" / LESSON / f"{LESSON}.ipynb")
    url = f"sqlite:///{folder / 'gradebook.db'}"
    (folder / "nbgrader_config.py").write_text(
        f'c = get_config()\nc.CourseDirectory.course_id = "optim-nn"\nc.CourseDirectory.db_url = "{url}"\n')
    with Gradebook(url, course_id="optim-nn") as gb:
        for sid, first, last, lms in ROSTER:
            gb.add_student(sid, first_name=first, last_name=last, lms_user_id=lms)
    return folder


@pytest.mark.parametrize("lms, files", [("Canvas", CANVAS), ("Moodle", MOODLE)])
def test_the_guides_zip_collect_recipe_puts_each_notebook_with_its_student(course, tmp_path, lms, files):
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    with zipfile.ZipFile(home / "Downloads" / "submissions.zip", "w") as zf:
        for name, owner in files.items():
            zf.writestr(name, nbformat.writes(_notebook(owner or name)))
    env = {**tool_env(), "HOME": str(home)}
    out = ""
    for command in _guide_commands(lms):
        proc = subprocess.run(["bash", "-c", command], cwd=course, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, f"{command}\n{proc.stdout}{proc.stderr}"
        out += proc.stdout + proc.stderr
    collected = {p.parts[-3]: p for p in (course / "submitted").glob(f"*/{LESSON}/*.ipynb")}
    expected = {owner for owner in files.values() if owner}
    assert set(collected) == expected
    for sid, path in collected.items():
        assert path.name == f"{LESSON}.ipynb", "a renamed resubmission is collected under the lesson's name"
        assert nbformat.read(path, as_version=4).cells[0].source == f"# written by {sid}"
    for name, owner in files.items():
        if owner is None:
            assert re.search(rf"Skipped .*{re.escape(name.split('/')[0])}", out), out
    assert "ls submitted" in _guide_commands(lms)[-1] and f"{sorted(expected)[0]}/{LESSON}" in out
