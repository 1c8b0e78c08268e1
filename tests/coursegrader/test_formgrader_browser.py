"""The instructor's Formgrader and the students' Validate button, in a real browser (Debian's Chromium
driven by Playwright) on a real JupyterLab server started, as `make lab` does, from the course
directory (a throw-away copy: this repository's nbgrader_config.py and source/01_gradients).

Instructor: Nbgrader > Formgrader; Manage Assignments: generate lesson 01 (the gradebook gets its
grade cells); a student's submission is put in submitted/ (the source solutions, with a and b swapped
in `rosenbrock`, and a cell of its own that looks for the gradebook and the Jupyter server);
Manage Submissions: autograde it from the page. The page shows the score, which is the one recorded
for the same answers by `nbgrader autograde` (tests/reference_results/e2e.json); the autograded
notebook carries the course's verdicts and its own cell saw neither the gradebook nor the server:
Formgrader's in-process autograde ran the course's pipeline, the kernel in the sandbox. Then
feedback is generated from the page and opened in JupyterLab: it names the planted mistake.

Student: the Validate toolbar button on the release notebook as handed out fails and names the first
check; on a completed notebook it reports success.

Screenshots of every step go to the module's temporary folder (printed at the end of a run with -s,
kept by pytest for the last three runs). Needs /usr/bin/chromium; skipped without it.
"""
from __future__ import annotations

import json
import os
import re
import shutil

import nbformat
import pytest

from coursegrader.coursedir import gradebook
from coursegrader.grading.autograde import sandbox
from coursegrader.grading.protocol import VERDICTS_KEY, is_grade_cell, nbgrader_meta
from testkit.students import filled_release, write_submission
from tools.editions import ROOT, source_path

from helpers import graded_cells
from reference import FOLDER, snapshot

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (bash .ci/system-packages) "
                "to run the browser tests", allow_module_level=True)

from browserkit import chromium, lab_page, lab_server, menu, open_lab, open_notebook  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

LESSON = "01_gradients"
STUDENT = "ada"
# the first catalogued mistake of exercise 1 (coursekit/exercises/l01_gradients.py, "swapped_ab"),
# typed as a student would: the e2e test's `mistakes` student plants the same one
SWAPPED_AB = '''def rosenbrock(x, a=1.0, b=1.0):
    """Rosenbrock's function (with a and b swapped: a wrong answer)."""
    return float((b - x[0]) ** 2 + a * (x[1] - x[0] ** 2) ** 2)'''
SWAPPED_AB_MESSAGE = "likely mistake: a and b are swapped"
# a cell of the student's own: what can the notebook's code see while it is autograded?
PROBE = '''import os, socket
print("gradebook visible:", os.path.exists({gradebook!r}))
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
    print("jupyter server reachable: True")
except OSError as exc:
    print("jupyter server reachable: False", type(exc).__name__)'''
GRADE_TIMEOUT = 300_000  # ms: autograde or validate a whole notebook on a busy machine


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formgrader-screenshots")
    yield folder
    print(f"\nFormgrader/Validate screenshots: {folder}")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory as an instructor's clone has it before the term: the configuration and the
    lesson's source; no gradebook, no release yet. A student's copies of the release are in work/."""
    root = tmp_path_factory.mktemp("formgrader")
    course = root / "course"
    shutil.copytree(ROOT / "source" / LESSON, course / "source" / LESSON)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    work = course / "work" / LESSON
    work.mkdir(parents=True)
    release = nbformat.read(ROOT / "release" / LESSON / f"{LESSON}.ipynb", as_version=4)
    nbformat.write(release, str(work / "as_handed_out.ipynb"))
    nbformat.write(filled_release(LESSON, release), str(work / "completed.ipynb"))
    return course


@pytest.fixture(scope="module")
def lab(course):
    # cwd: the course, as `make lab` runs it; the exchange (release/collect, unused here) in the
    # temporary folder, not nbgrader's default /srv/nbgrader/exchange; writable by all, as nbgrader asks
    exchange = course.parent / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    with lab_server(course, course.parent / "lab", args=(f"--Exchange.root={exchange}",)) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, lab):
    with lab_page(browser, lab) as pg:
        yield pg


def _reference_scores_and_reports():
    """What `nbgrader autograde` gave the same answers (tests/reference_results/e2e.json): every
    exercise as the `solution` student, `rosenbrock` as the `mistakes` student (a and b swapped)."""
    recorded = json.loads((FOLDER / "e2e.json").read_text())
    solution, mistakes = recorded[f"{LESSON}/solution"], recorded[f"{LESSON}/mistakes"]
    scores = {**solution["scores"], "rosenbrock_grade": mistakes["scores"]["rosenbrock_grade"]}
    reports = {**solution["reports"], "rosenbrock_grade": mistakes["reports"]["rosenbrock_grade"]}
    return scores, reports


def _modal(frame, shots, page, name):
    """The Formgrader's success modal (an error modal fails the test with its log and traceback)."""
    modal = frame.locator("#success-modal, #error-modal").first
    expect(modal).to_be_visible(timeout=GRADE_TIMEOUT)
    page.screenshot(path=str(shots / f"{name}.png"))
    text = modal.inner_text()
    assert modal.get_attribute("id") == "success-modal", text[-3000:]
    modal.locator(".modal-footer button").first.click()
    expect(modal).to_have_count(0)
    return text


def _formgrader(page, lab):
    """Nbgrader > Formgrader in JupyterLab: the Formgrader's page, in its tab's frame."""
    open_lab(page, lab)
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("#formgrader-iframe iframe")
    expect(frame.locator("body")).to_contain_text("Manage Assignments", timeout=60_000)
    return frame


def test_instructor_generates_autogrades_and_sends_feedback_from_formgrader(page, lab, course, shots):
    points = graded_cells(nbformat.read(source_path(LESSON), as_version=4))
    expected_scores, expected_reports = _reference_scores_and_reports()
    assert set(expected_scores) == set(points)
    total, max_total = round(sum(expected_scores.values()), 2), sum(points.values())
    frame = _formgrader(page, lab)

    # Manage Assignments: the lesson is found in source/; generate the student version
    row = frame.locator("#main-table tr", has=frame.locator("td.name", has_text=LESSON))
    expect(row).to_have_count(1, timeout=60_000)
    expect(frame.locator("#warning-exchange, #warning-course-id")).to_have_count(0)  # course_id, exchange
    # the page's "Current configuration" is the course's nbgrader_config.py (nbgrader writes the
    # preprocessor lists unescaped: the browser reads their classes as tags, so only the settings show)
    configuration = frame.locator("#collapseConfig pre").text_content()
    assert "'SafeExecute': {'sandbox'" in configuration, configuration[:3000]
    assert "'Validator': {'validate_all': True}" in configuration, configuration[:3000]
    page.screenshot(path=str(shots / "01_manage_assignments.png"))
    row.locator("td.assign a").click()
    text = _modal(frame, shots, page, "02_generated")
    assert f"Successfully created the student version of '{LESSON}'" in text
    release = course / "release" / LESSON / f"{LESSON}.ipynb"
    assert release.exists(), "Formgrader's generate wrote no release notebook in the course's release/"
    with gradebook(course) as gb:  # the course's gradebook.db (db_url of nbgrader_config.py) has the lesson
        assert {c.name: c.max_score for c in gb.find_assignment(LESSON).notebooks[0].grade_cells} == points

    # a student's submission arrives: the release Formgrader wrote, completed, one mistake, and a probe
    # in a solution cell (the grade depends on it, so grading runs it; an added cell of its own no
    # grade depends on would be skipped)
    nb = filled_release(LESSON, nbformat.read(release, as_version=4), replace={"rosenbrock_solution": SWAPPED_AB})
    gradebook_file = course / "gradebook.db"
    probed = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "rosenbrock_grad_solution")
    probed.source = PROBE.format(gradebook=str(gradebook_file), port=lab["port"]) + "\n" + probed.source
    write_submission(course, STUDENT, LESSON, nb)

    # Manage Assignments (the Formgrader's menu) shows one submission; its link opens Manage Submissions
    frame.locator("a", has_text="Manage Assignments").first.click()
    row = frame.locator("#main-table tr", has=frame.locator("td.name", has_text=LESSON))
    row.locator("td.num-submissions a", has_text="1").click()
    student = frame.locator("#main-table tr", has=frame.locator("td.student-id", has_text=STUDENT))
    expect(student.locator("td.status")).to_have_text("needs autograding", timeout=60_000)
    page.screenshot(path=str(shots / "03_manage_submissions.png"))

    # autograde from the page: the score shown is nbgrader autograde's for the same answers
    student.locator("td.autograde a").click()
    log = _modal(frame, shots, page, "04_autograded")
    assert f"Successfully autograded '{LESSON}' for student '{STUDENT}'" in log
    if sandbox.available():
        assert "WITHOUT a sandbox" not in log, log
    else:
        assert "WITHOUT a sandbox" in log, "grading without bwrap must say so"
    expect(student.locator("td.score")).to_have_text(f"{total:g} / {max_total:g}", timeout=60_000)
    expect(student.locator("td.status")).to_have_text(re.compile("graded"))
    page.screenshot(path=str(shots / "05_score_shown.png"))
    # ... and the grade cells' reports too; the course's pipeline ran inside the server: VerifyGrades's
    # verdicts are in the autograded notebook, and the student's cell ran in the sandbox
    assert snapshot(course, LESSON, [STUDENT])[STUDENT] == {"scores": expected_scores, "reports": expected_reports}
    autograded = nbformat.read(course / "autograded" / STUDENT / LESSON / f"{LESSON}.ipynb", as_version=4)
    verdicts = {nbgrader_meta(c)["grade_id"]: c.metadata[VERDICTS_KEY]["verdicts"]
                for c in autograded.cells if is_grade_cell(c)}
    assert verdicts["rosenbrock_grade"][0]["likely_mistake"] == "swapped_ab"
    assert all(v["score"] == v["points"] for g, vs in verdicts.items() if g != "rosenbrock_grade" for v in vs)
    probed = next(c for c in autograded.cells if nbgrader_meta(c).get("grade_id") == "rosenbrock_grad_solution")
    probe = "".join(o.get("text", "") for o in probed.outputs)
    assert gradebook_file.exists()  # it is there, in the folder the server runs in ...
    if sandbox.available():  # ... but the student's code saw an empty course folder and no network
        assert "gradebook visible: False" in probe and "jupyter server reachable: False" in probe, probe
    else:
        assert "gradebook visible: True" in probe, probe

    # feedback from the page, opened in JupyterLab: the score, the planted mistake named, no hidden tests
    student.locator("td.generate-feedback a").click()
    text = _modal(frame, shots, page, "06_feedback_generated")
    assert f"Successfully generated feedback for '{LESSON}' for student '{STUDENT}'" in text
    feedback = f"feedback/{STUDENT}/{LESSON}/{LESSON}.html"
    assert (course / feedback).exists()
    open_lab(page, lab, feedback)
    shown = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
    expect(shown).to_contain_text(SWAPPED_AB_MESSAGE, timeout=60_000)
    text = shown.inner_text()
    assert f"Score: {expected_scores['rosenbrock_grade']:g} / {points['rosenbrock_grade']:g}" in text
    assert f"{total:g}" in text and "BEGIN HIDDEN TESTS" not in text and 'grade("rosenbrock"' not in text
    assert shown.locator("math").count() > 10, "the feedback's math is not typeset (SelfContainedFeedback)"
    shown.get_by_text(SWAPPED_AB_MESSAGE).first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "07_feedback_in_lab.png"))


def _validate(page, shots, name):
    """Press the notebook's Validate button; the Validation Results dialog's body."""
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=GRADE_TIMEOUT)
    page.screenshot(path=str(shots / f"{name}.png"))
    return dialog


def test_validate_fails_on_the_notebook_as_handed_out_and_names_the_first_check(page, lab, shots):
    open_notebook(page, lab, f"work/{LESSON}/as_handed_out.ipynb")
    dialog = _validate(page, shots, "08_validate_as_handed_out")
    failed = dialog.locator(".validation-failed")
    expect(failed).to_have_count(1)
    text = failed.inner_text()
    assert "Success!" not in text
    assert "The following cell failed:" in text and 'check("rosenbrock", rosenbrock)' in text, text[:2000]
    assert "the exercise is not done yet" in text, text[:2000]


def test_validate_passes_a_completed_notebook(page, lab, shots):
    open_notebook(page, lab, f"work/{LESSON}/completed.ipynb")
    dialog = _validate(page, shots, "09_validate_completed")
    expect(dialog.locator(".validation-success")).to_have_text("Success! Your notebook passes all the tests.")
