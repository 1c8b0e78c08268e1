"""The course on a real JupyterHub, end to end in a browser (issue 26.1; docs/INSTRUCTORS.md, section 10).

One hub, started by the module's fixture as root on free local ports with hub/jupyterhub_config.py
(the course's configuration; tests/hubkit.py adds only ports, state folders and longer timeouts): its
proxy is configurable-http-proxy from npm at hub/package-lock.json's versions; users log in with
their Unix passwords (PAM) and each user's server runs as that user (LocalProcessSpawner). Three real
Unix accounts, made for the test and removed after it: an instructor (the instructors' group) and two
students (the students' group). Two environments built by hub/install-env.sh: the students' (the
student package coursekit, nbgrader with Formgrader turned off, JupyterLab) and the instructor's
(both packages). nbgrader's exchange is a folder on local disk (1777), named in hub/nbgrader_config.py
(the one line the test changes: its path).

In Debian's Chromium, driven by Playwright, one browser context per user:
- the instructor logs in, opens Formgrader, generates lesson 01 and releases it to the exchange;
- each student logs in, fetches lesson 01 from the Assignments tab, works it (the answers are written
  into the fetched notebook by the student's own account, not typed: one student's every answer is
  the source's solution, the other's `rosenbrock` has a and b swapped), opens it, presses Validate
  and submits it from the Assignments tab;
- the second student's own kernel cannot import the instructor package (coursegrader), cannot read
  the first student's submission in the exchange nor its home, and the student's server has no
  Formgrader (its page answers 404, the Nbgrader menu has no Formgrader entry);
- the instructor collects from Formgrader, autogrades both submissions there (the scores shown, and
  the gradebook's cell by cell, are nbgrader autograde's for the same answers,
  tests/reference_results/e2e.json), generates and releases feedback;
- the instructor's account (runuser) grades them again with ``make grade VENV=<instructor env>`` in
  its course directory (the files of a clone): both graded, the same scores, cell by cell;
- each student fetches the feedback from the Assignments tab and opens it: the score, and for the
  second student the mistake named.

Screenshots of every step go to a temporary folder printed at the end (pytest -s). Needs root (Unix
accounts; a hub that starts servers as other users), /usr/bin/chromium, npm and Debian's python3 with
venv (.ci/system-packages installs them); skipped without them.
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import pwd
import re
import secrets
import shutil
import subprocess
import time

import nbformat
import pytest

from testkit.students import filled_release
from tools.editions import ROOT, source_path

from gradingkit import scores as cell_scores
from helpers import graded_cells
from reference import FOLDER

CHROMIUM = "/usr/bin/chromium"
_missing = [what for what, ok in [
    ("root (Unix accounts, a hub spawning servers as other users)", os.geteuid() == 0),
    (CHROMIUM, os.path.exists(CHROMIUM)),
    ("npm (the hub's proxy)", shutil.which("npm") is not None),
    ("/usr/bin/python3 with venv (python3-venv)",
     subprocess.run(["/usr/bin/python3", "-c", "import ensurepip, venv"], capture_output=True).returncode == 0
     if os.path.exists("/usr/bin/python3") else False),
] if not ok]
if _missing:
    pytest.skip("the hub test needs " + ", ".join(_missing) + " (as root: bash .ci/system-packages)",
                allow_module_level=True)

import hubkit  # noqa: E402
from browserkit import VISIBLE_NOTEBOOK, chromium, menu, open_lab, open_notebook  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

LESSON = "01_gradients"
COURSE_ID = "optim-nn"
SWAPPED_AB = '''def rosenbrock(x, a=1.0, b=1.0):
    """Rosenbrock's function (with a and b swapped: a wrong answer)."""
    return float((b - x[0]) ** 2 + a * (x[1] - x[0] ** 2) ** 2)'''
SWAPPED_AB_MESSAGE = "likely mistake: a and b are swapped"
SLOW = 300_000  # ms: a server's start, Validate or autograde of the whole lesson on a busy machine
# JupyterLab settings for the test (the environments' overrides.json): no news pop-up, no request to
# the internet; every cell attached to the page
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def test_course_id_of_the_hub_is_the_course_s():
    """hub/nbgrader_config.py (students and instructor) and the course's nbgrader_config.py name one course."""
    hub = (ROOT / "hub" / "nbgrader_config.py").read_text()
    course = (ROOT / "nbgrader_config.py").read_text()
    pattern = r'^c\.CourseDirectory\.course_id = "([^"]+)"$'
    assert re.findall(pattern, hub, re.M) == re.findall(pattern, course, re.M) == [COURSE_ID]


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub-screenshots")
    yield folder
    print(f"\nhub screenshots: {folder}")


@pytest.fixture(scope="module")
def site():
    """Everything the hub needs, in one folder every user can traverse; removed afterwards."""
    with hubkit.shared_folder("optim-nn-hub-") as folder:
        yield folder


@pytest.fixture(scope="module")
def environments(site):
    """The students' and the instructor's environments (hub/install-env.sh, built side by side), each
    with hub/nbgrader_config.py as its global nbgrader configuration, its exchange moved to ``site``."""
    envs = site / "envs"
    roles = ("student", "instructor")
    envs.mkdir()
    envs.chmod(0o755)
    constraints = hubkit.write_constraints(envs / "constraints.txt")
    with_torch = hubkit.torch_copy_fits()
    builds = {role: hubkit.hub_environment(ROOT, role, envs / role, constraints=constraints, with_torch=with_torch)
              for role in roles}
    for role, proc in builds.items():
        hubkit.wait_built(proc, envs / f"install-{role}.log")
    exchange = site / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # writable by all, sticky (nbgrader's documented set-up)
    for role in roles:  # install-env.sh copied hub/nbgrader_config.py there; the test's exchange added
        config = envs / role / "etc" / "jupyter" / "nbgrader_config.py"
        config.write_text((ROOT / "hub" / "nbgrader_config.py").read_text()
                          + f"\n# the hub test: its own exchange\nc.Exchange.root = {str(exchange)!r}\n")
        overrides = envs / role / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
        overrides.parent.mkdir(parents=True, exist_ok=True)
        overrides.write_text(json.dumps(LAB_OVERRIDES))
    return {"student": envs / "student", "instructor": envs / "instructor", "exchange": exchange}


@pytest.fixture(scope="module")
def accounts():
    """An instructor and two students: real Unix accounts in the two groups the hub's configuration reads."""
    tag = secrets.token_hex(3)
    groups = {f"onn-i{tag}": [f"inst{tag}"], f"onn-s{tag}": [f"ada{tag}", f"bob{tag}"]}
    with hubkit.unix_accounts(groups) as made:
        yield {"groups": groups, "instructor": made[f"inst{tag}"], "ada": made[f"ada{tag}"], "bob": made[f"bob{tag}"]}


@pytest.fixture(scope="module")
def course(accounts):
    """The instructor's course directory where the hub's configuration looks for it (~/course): the
    files of a clone of the repository (those git tracks, as this checkout has them: the course's
    nbgrader_config.py and source/ for Formgrader, the Makefile and tools/ for make grade), the
    instructor's own. No .venv: make grade runs with the instructor's hub environment (VENV=)."""
    instructor = accounts["instructor"]
    course = instructor.home / "course"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():  # a file deleted in this checkout but not yet in git's index is not copied
            (course / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, course / name)
    subprocess.run(["chown", "-R", f"{instructor.name}:{instructor.name}", str(course)], check=True)
    return course


@pytest.fixture(scope="module")
def hub(site, environments, accounts, course):
    proxy = hubkit.install_proxy(ROOT, site / "proxy")
    instructors, students = accounts["groups"]  # in the order unix_accounts made them
    env = {"OPTIM_NN_STUDENTS": students, "OPTIM_NN_INSTRUCTORS": instructors,
           "OPTIM_NN_STUDENT_ENV": str(environments["student"]),
           "OPTIM_NN_INSTRUCTOR_ENV": str(environments["instructor"]),
           # the hub started as from a clone with the course on its path: no user's server may inherit
           # that (the isolation step checks a student's kernel cannot import coursegrader)
           "PYTHONPATH": str(ROOT)}
    with hubkit.jupyterhub(ROOT, site / "hub", proxy, env) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def pages(browser, hub, accounts, shots):
    """Each user logged in (the hub's login form, the Unix password) with JupyterLab open in a browser
    context of its own: ``{"instructor": page, "ada": page, "bob": page}``."""
    contexts, opened = [], {}
    try:
        for who in ("instructor", "ada", "bob"):
            account = accounts[who]
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            page = context.new_page()
            page.goto(f"{hub['base']}/hub/login")
            page.locator("#username_input").fill(account.name)
            page.locator("#password_input").fill(account.password)
            page.locator("#login_submit").click()
            # the hub spawns the user's server (as that user) and redirects to JupyterLab
            page.wait_for_url(re.compile(rf"/user/{account.name}/lab"), timeout=SLOW)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell", timeout=SLOW)
            page.evaluate("() => window.jupyterapp.restored")
            page.screenshot(path=str(shots / f"00_{who}_logged_in.png"))
            opened[who] = page
        yield opened
    finally:
        for context in contexts:
            context.close()


def server(hub, account) -> dict:
    """The user's own Jupyter server behind the hub, as browserkit's helpers take it (the page's
    cookies log it in: no token)."""
    return {"base": f"{hub['base']}/user/{account.name}"}


def modal(frame, page, shots, name):
    """The Formgrader's success modal (an error modal fails the test with its text)."""
    shown = frame.locator("#success-modal, #error-modal").first
    expect(shown).to_be_visible(timeout=SLOW)
    page.screenshot(path=str(shots / f"{name}.png"))
    text = shown.inner_text()
    assert shown.get_attribute("id") == "success-modal", text[-3000:]
    shown.locator(".modal-footer button").first.click()
    expect(shown).to_have_count(0)
    return text


def formgrader(page, hub, account):
    open_lab(page, server(hub, account))
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("#formgrader-iframe iframe")
    expect(frame.locator("body")).to_contain_text("Manage Assignments", timeout=60_000)
    return frame


def lesson_row(frame):
    row = frame.locator("#main-table tr", has=frame.locator("td.name", has_text=LESSON))
    expect(row).to_have_count(1, timeout=60_000)
    return row


def assignments_tab(page, hub, account):
    """The student's Assignments tab (Nbgrader > Assignment List), its lists loaded."""
    open_lab(page, server(hub, account))
    menu(page, "Nbgrader", "Assignment List")
    page.locator("#released_assignments_list").wait_for(timeout=60_000)
    page.locator("#refresh_assignments_list").click()


def listed(page, name, count):
    rows = page.locator(f"#{name}_assignments_list > .list_item")
    expect(rows).to_have_count(count, timeout=60_000)
    return rows


def kernel_run(page, code: str) -> str:
    """Run ``code`` in the open notebook's kernel (the user's own, started by the user's server);
    its standard output."""
    return page.evaluate("""async (code) => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        let out = "";
        const future = kernel.requestExecute({code});
        future.onIOPub = (msg) => {
            if (msg.header.msg_type === "stream") out += msg.content.text;
            if (msg.header.msg_type === "error") out += msg.content.ename + ": " + msg.content.evalue + "\\n";
        };
        await future.done;
        return out;
    }""", code)


def test_instructor_generates_and_releases_the_lesson_from_formgrader(pages, hub, accounts, environments, shots):
    page, instructor = pages["instructor"], accounts["instructor"]
    frame = formgrader(page, hub, instructor)
    row = lesson_row(frame)
    expect(frame.locator("#warning-exchange, #warning-course-id")).to_have_count(0)  # course id and exchange set
    row.locator("td.assign a").click()
    assert f"Successfully created the student version of '{LESSON}'" in modal(frame, page, shots, "01_generated")
    row.locator("td.release a").click()
    assert "Successfully released" in modal(frame, page, shots, "02_released")
    expect(row.locator("td.status")).to_have_text("released")
    outbound = environments["exchange"] / COURSE_ID / "outbound" / LESSON / f"{LESSON}.ipynb"
    assert outbound.exists(), f"nothing released to {outbound.parent}"


def _work(student, fetched: pathlib.Path, replace: dict[str, str] | None, site: pathlib.Path) -> None:
    """The student's answers written into the fetched notebook by the student's own account."""
    nb = filled_release(LESSON, nbformat.read(fetched, as_version=4), replace=replace)
    staged = site / f"answers-{student.name}.ipynb"
    nbformat.write(nb, str(staged))
    staged.chmod(0o644)
    done = hubkit.run_as(student, "cp", str(staged), str(fetched))
    assert done.returncode == 0, done.stderr
    staged.unlink()


@pytest.mark.parametrize("who, replace", [("ada", None), ("bob", {"rosenbrock_solution": SWAPPED_AB})],
                         ids=["correct", "planted_mistake"])
def test_student_fetches_works_validates_and_submits_from_the_assignments_tab(pages, hub, accounts, site, shots,
                                                                              who, replace):
    page, student = pages[who], accounts[who]
    assignments_tab(page, hub, student)
    rows = listed(page, "released", 1)
    expect(rows.first.locator(".item_name")).to_have_text(LESSON)
    expect(rows.first.locator(".item_course")).to_have_text(COURSE_ID)
    rows.first.locator(".item_status button", has_text="Fetch").click()
    listed(page, "fetched", 1)
    page.screenshot(path=str(shots / f"10_{who}_fetched.png"))
    fetched = student.home / LESSON / f"{LESSON}.ipynb"
    assert fetched.exists() and fetched.stat().st_uid == pwd.getpwnam(student.name).pw_uid

    _work(student, fetched, replace, site)
    open_notebook(page, server(hub, student), f"{LESSON}/{LESSON}.ipynb")
    page.locator(VISIBLE_NOTEBOOK).locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=SLOW)
    page.screenshot(path=str(shots / f"11_{who}_validated.png"))
    if replace is None:
        expect(dialog.locator(".validation-success")).to_have_text("Success! Your notebook passes all the tests.")
    else:  # the visible check of `rosenbrock` names the mistake already; the student submits anyway
        failed = dialog.locator(".validation-failed")
        expect(failed).to_contain_text('check("rosenbrock", rosenbrock)')
        expect(failed).to_contain_text(SWAPPED_AB_MESSAGE)
    dialog.locator("button", has_text="Ok").first.click()

    assignments_tab(page, hub, student)
    listed(page, "fetched", 1).first.locator(".item_status button", has_text="Submit").click()
    rows = listed(page, "submitted", 1)
    expect(rows.first.locator(".item_name").first).to_have_text(LESSON)
    page.screenshot(path=str(shots / f"12_{who}_submitted.png"))
    inbound = list((site / "exchange" / COURSE_ID / "inbound").glob(f"{student.name}+{LESSON}+*"))
    assert len(inbound) == 1, inbound


def test_a_student_has_no_formgrader_no_instructor_package_and_no_access_to_another_s_work(
        pages, hub, accounts, site, environments, shots):
    page, bob, ada = pages["bob"], accounts["bob"], accounts["ada"]
    ada_submission = next((site / "exchange" / COURSE_ID / "inbound").glob(f"{ada.name}+{LESSON}+*"))
    # the notebook open, its kernel started and answering: before that the page has no kernel to run
    # the probe in (the notebook's execution indicator already says "idle" while the session is looked up)
    open_notebook(page, server(hub, bob), f"{LESSON}/{LESSON}.ipynb")
    probe = kernel_run(page, f"""
import importlib.util, os, sys
print("python:", sys.executable)
print("coursekit:", importlib.util.find_spec("coursekit") is not None)
try:
    import coursegrader
    print("coursegrader: imported")
except ImportError as exc:
    print("coursegrader:", type(exc).__name__)
for label, path in [("submission", {str(ada_submission / (LESSON + '.ipynb'))!r}),
                    ("home", {str(ada.home / LESSON / (LESSON + '.ipynb'))!r})]:
    try:
        open(path).read(1)
        print(label + ": read")
    except OSError as exc:
        print(label + ":", type(exc).__name__)
try:
    os.listdir({str(site / 'exchange' / COURSE_ID / 'inbound')!r})
    print("inbound listing: read")
except OSError as exc:
    print("inbound listing:", type(exc).__name__)
""")
    assert f"python: {environments['student'].resolve()}/bin/python" in probe, probe
    assert "coursekit: True" in probe and "coursegrader: ModuleNotFoundError" in probe, probe
    assert "home: PermissionError" in probe, probe
    # the exchange: a student cannot list the submissions (inbound/ is writable, not readable, by
    # students) and cannot guess a name: nbgrader ends each with 72 random bits. nbgrader makes the
    # submitted files readable by all (the instructor collects them as another user), so whoever knows
    # the exact name, as this test does, reads them
    assert "inbound listing: PermissionError" in probe, probe
    _, _, _, random_part = ada_submission.name.split("+")
    assert len(random_part) == 12, ada_submission.name
    assert "submission: read" in probe, probe
    # no Formgrader: not in the Nbgrader menu (read once the menu shows), and its page is not served
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    expect(page.locator(".lm-Menu .lm-Menu-itemLabel", has_text="Assignment List")).to_be_visible()
    items = page.locator(".lm-Menu .lm-Menu-itemLabel").all_inner_texts()
    page.screenshot(path=str(shots / "20_student_nbgrader_menu.png"))
    page.keyboard.press("Escape")
    assert "Assignment List" in items and "Formgrader" not in items, items
    answer = page.request.get(f"{hub['base']}/user/{bob.name}/formgrader")
    assert answer.status == 404, answer.status


def _reference():
    recorded = json.loads((FOLDER / "e2e.json").read_text())
    return recorded[f"{LESSON}/solution"]["scores"], recorded[f"{LESSON}/mistakes"]["scores"]


def _expected(accounts) -> dict[str, dict[str, float]]:
    """{student: {grade cell: score}}: nbgrader autograde's for the same answers (e2e.json's lesson 01)."""
    solution, mistakes = _reference()
    return {accounts["ada"].name: solution,
            accounts["bob"].name: {**solution, "rosenbrock_grade": mistakes["rosenbrock_grade"]}}


def test_instructor_collects_grades_and_releases_feedback_from_formgrader(pages, hub, accounts, course, shots):
    page, instructor = pages["instructor"], accounts["instructor"]
    points = graded_cells(nbformat.read(source_path(LESSON), as_version=4))
    expected = _expected(accounts)
    frame = formgrader(page, hub, instructor)
    row = lesson_row(frame)
    row.locator("td.collect a").click()
    text = modal(frame, page, shots, "30_collected")
    assert "Successfully collected" in text or "Collecting" in text, text
    for student in expected:
        assert (course / "submitted" / student / LESSON / f"{LESSON}.ipynb").exists()
    frame = formgrader(page, hub, instructor)
    lesson_row(frame).locator("td.num-submissions a", has_text="2").click()
    for student, scores in expected.items():
        line = frame.locator("#main-table tr", has=frame.locator("td.student-id", has_text=student))
        expect(line.locator("td.status")).to_have_text("needs autograding", timeout=60_000)
        line.locator("td.autograde a").click()
        assert f"Successfully autograded '{LESSON}' for student '{student}'" in modal(
            frame, page, shots, f"31_autograded_{student}")
        total = round(sum(scores.values()), 2)
        expect(line.locator("td.score")).to_have_text(f"{total:g} / {sum(points.values()):g}", timeout=60_000)
    page.screenshot(path=str(shots / "32_scores.png"))
    # one gradebook, the course's (Formgrader's pages and its actions read and write the same one), with
    # every grade cell's score
    assert (course / "gradebook.db").exists() and not (instructor.home / "gradebook.db").exists()
    for student, scores in expected.items():
        assert cell_scores(course, student) == pytest.approx(scores), student
    frame = formgrader(page, hub, instructor)
    row = lesson_row(frame)
    row.locator("td.generate-feedback a").click()
    modal(frame, page, shots, "33_feedback_generated")
    row.locator("td.release-feedback a").click()
    modal(frame, page, shots, "34_feedback_released")
    for student in expected:
        assert (course / "feedback" / student / LESSON / f"{LESSON}.html").exists()


def test_instructor_grades_the_collected_submissions_with_make_grade(accounts, course, environments):
    """``make grade`` (section 5) in the instructor's course directory, run by the instructor's account
    with the instructor's hub environment (``VENV=``, docs/INSTRUCTORS.md section 10), grades the
    submissions Formgrader collected again, its own way (Dask workers, the sandbox required), to the
    same scores, cell by cell (Formgrader's autograde records nothing make grade would skip on)."""
    instructor = accounts["instructor"]
    expected = _expected(accounts)
    done = hubkit.run_as(instructor, "make", "grade", f"LESSON={LESSON}", f"VENV={environments['instructor']}",
                         cwd=course)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with open(course / f"grades-{LESSON}.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == sorted(expected), rows
    for student, scores in expected.items():
        assert rows[student]["status"] == "graded", rows[student]
        assert float(rows[student]["score"]) == pytest.approx(sum(scores.values())), rows[student]
        assert cell_scores(course, student) == pytest.approx(scores), student
    assert f"2 of 2 submissions of {LESSON} autograded" in done.stdout, done.stdout[-3000:]


@pytest.mark.parametrize("who", ["ada", "bob"])
def test_student_fetches_feedback_and_reads_it(pages, hub, accounts, shots, who):
    page, student = pages[who], accounts[who]
    points = graded_cells(nbformat.read(source_path(LESSON), as_version=4))
    solution, mistakes = _reference()
    assignments_tab(page, hub, student)
    listed(page, "submitted", 1).first.locator(".item_status button", has_text="Fetch Feedback").click()
    deadline = time.monotonic() + 60
    while not list((student.home / LESSON / "feedback").glob(f"*/{LESSON}.html")) and time.monotonic() < deadline:
        time.sleep(0.5)
    (feedback,) = (student.home / LESSON / "feedback").glob(f"*/{LESSON}.html")
    open_lab(page, server(hub, student), str(feedback.relative_to(student.home)))
    shown = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
    expect(shown).to_contain_text("Score", timeout=60_000)
    text = shown.inner_text()
    scores = {**solution, "rosenbrock_grade": mistakes["rosenbrock_grade"]} if who == "bob" else solution
    # the summary at the top of nbgrader's feedback page: the lesson's score, then each exercise's
    assert f"{LESSON} (Score: {sum(scores.values()):.1f} / {sum(points.values()):.1f})" in text, text[:1000]
    assert (f"rosenbrock: hidden tests (Score: {scores['rosenbrock_grade']:.1f} / {points['rosenbrock_grade']:.1f})"
            in text), text[:1000]
    if who == "bob":
        expect(shown).to_contain_text(SWAPPED_AB_MESSAGE)
        shown.get_by_text(SWAPPED_AB_MESSAGE).first.scroll_into_view_if_needed()
    else:
        assert SWAPPED_AB_MESSAGE not in text
    assert "BEGIN HIDDEN TESTS" not in text
    page.screenshot(path=str(shots / f"40_{who}_feedback.png"))
