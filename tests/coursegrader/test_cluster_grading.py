"""Grading on a real Dask cluster with no shared filesystem, into a real PostgreSQL gradebook.

A ``dask scheduler`` and two ``dask worker`` processes are started as separate OS processes, each
worker in its own temporary folder and under bubblewrap with the folder holding the courses
masked: a worker cannot read the course (a probe task that reads a sentinel file there fails), so
every submission graded proves that tasks carry what they need. The workers' environment holds a
database password and address, which the worker scrubs before any kernel starts.

One class is graded through PostgreSQL (Debian's server, its socket in /var/run/postgresql): a
correct student, a hostile one (reads os.environ, scans for the server's sockets, tries to connect
by socket and TCP and rewrite every grade), the corrupt ones (not JSON, not a notebook, another
lesson's notebook, an empty file, a missing folder), and then, in a run of its own, one past the
wall-clock limit (a limit a few times what the others took, so the test waits seconds for it). The same
students graded into SQLite get identical rows. Then the faults: the database unreachable for a
while and for good (nothing half-written), the client killed and started again (graded ones
skipped), a worker killed with SIGKILL mid-submission (retried on the other, recorded once).
"""
from __future__ import annotations

import dataclasses
import math
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from daskprocs import DaskProcesses
from pgserver import PostgresServer, binaries

from coursegrader.coursedir import tool_env
from coursegrader.grading.cluster.client import autograde_lesson

from conftest import ROOT
from gradingkit import LESSON, POINTS, Submission, cell_text, generated_course, gradebook_rows, make_course

if binaries() is None:
    if os.environ.get("CI"):
        raise RuntimeError("PostgreSQL must be installed in CI (.ci/system-packages)")
    pytest.skip("PostgreSQL is not installed: `apt-get install postgresql`", allow_module_level=True)

# real Dask processes, PostgreSQL and nbgrader: minutes, not seconds. Serial: sly's wall-clock limit is
# set from the other submissions' measured times, so `make test` runs the module alone
pytestmark = [pytest.mark.e2e, pytest.mark.serial]

FULL = sum(POINTS.values())
FIRST, *_, LAST = POINTS  # grade cells in notebook order
HOSTILE = '''
import glob, os, socket
_env = sorted(k for k in os.environ if any(w in k.upper() for w in ("PG", "DATABASE", "DB_URL", "PASSWORD")))
_socks = sorted(glob.glob("/var/run/postgresql/.s.PGSQL.*") + glob.glob("/run/postgresql/.s.PGSQL.*")
                + glob.glob("/tmp/.s.PGSQL.*"))
_reached = []
for _path in _socks:
    try:
        _s = socket.socket(socket.AF_UNIX); _s.connect(_path); _reached.append(_path)
    except OSError:
        pass
try:
    _s = socket.create_connection(("127.0.0.1", PGPORT), timeout=2); _reached.append("tcp")
except OSError:
    pass
try:
    import psycopg
    for _where in [dict(host="/var/run/postgresql"), dict(host="127.0.0.1")]:
        try:
            with psycopg.connect(port=PGPORT, user="postgres", dbname="gradebook", connect_timeout=2, **_where) as _c:
                _c.execute("UPDATE grade SET auto_score = 999"); _reached.append("psycopg")
        except Exception:
            pass
except ImportError:
    pass
print("HOSTILE env", _env, "sockets", _socks, "reached", _reached)
'''
SLOW_LAST = "import time\ntime.sleep(3600)\n"
# The wall-clock limit for the student who sleeps: a real one (the kernel is killed when it passes),
# set from how long nbgrader's autograde of an ordinary submission of the class took on this machine
# just before (ada's and hal's; the limit counts from the start of autograde too), times SLACK, so
# that everything before the sleeping cell fits inside it on a quiet machine and on a busy one alike
# (at load 17, ada took 82 s), and the run waits seconds for it, not a fixed minute.
SLACK = 3
MIN_LIMIT = 10


def _rows(url: str) -> dict:
    """Every per-student row the gradebook at ``url`` keeps for the lesson (without submission times)."""
    return gradebook_rows(ROOT, url, timestamps=False)


def _scores(url: str, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(url, "optim-nn") as gb:
        nb = gb.find_submission_notebook(LESSON, LESSON, student)
        return {g.name: g.score for g in nb.grades}


def _exercise(grade_cell: str) -> str:
    return grade_cell.removesuffix("_grade")


@pytest.fixture(scope="module")
def pg():
    with PostgresServer() as server:
        server.createdb("gradebook")
        yield server


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    return tmp_path_factory.mktemp("courses")


@pytest.fixture(scope="module")
def dask(tmp_path_factory, courses, pg):
    secrets = {"PGPASSWORD": "s3cret-pw", "DATABASE_URL": pg.url("gradebook"), "PGHOST": "/var/run/postgresql"}
    hide = [courses, generated_course().parent]  # the courses, and the one they are copied from
    with DaskProcesses(tmp_path_factory.mktemp("dask"), workers=2, hide=hide, env=secrets) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def course(courses, pg):
    course = make_course(courses / "main")
    (course / "SENTINEL").write_text("the course folder")
    Submission(course).write(course, "ada")
    Submission(course).prepend(_exercise(FIRST), HOSTILE.replace("PGPORT", str(pg.port))).write(course, "hal")
    Submission(course).prepend(_exercise(LAST), SLOW_LAST).write(course, "sly")
    bad = course / "submitted"
    for student, content in [("nojson", b"{not json"), ("empty", b""), ("notnb", b'{"hello": "world"}')]:
        (bad / student / LESSON).mkdir(parents=True)
        (bad / student / LESSON / f"{LESSON}.ipynb").write_bytes(content)
    other = nbformat.read(str(ROOT / "release" / "02_gradient_descent" / "02_gradient_descent.ipynb"), as_version=4)
    (bad / "wrong" / LESSON).mkdir(parents=True)
    nbformat.write(other, str(bad / "wrong" / LESSON / f"{LESSON}.ipynb"))
    return course


@pytest.fixture(scope="module")
def pg_run(dask, course, pg):
    """The class graded through PostgreSQL: ({student: result}, the wall-clock limit sly ran into).
    Two runs: everyone but sly (the summary CSV is this run's), then sly alone with the limit."""

    students = ["ada", "hal", "nojson", "empty", "notnb", "wrong", "ghost"]
    results = autograde_lesson(course, LESSON, students, scheduler=dask.address, db_url=pg.url("gradebook"),
                               timeout=200, progress=False)
    ordinary = [(r.timings or {}).get("nbgrader autograde", r.seconds) for r in results if r.status == "graded"]
    limit = max(MIN_LIMIT, math.ceil(SLACK * max(ordinary, default=MIN_LIMIT)))
    results += autograde_lesson(course, LESSON, ["sly"], scheduler=dask.address, db_url=pg.url("gradebook"),
                                time_limit=limit, timeout=_cell_limit(limit), progress=False,
                                csv_path=course / "grades-sly.csv")
    return {r.student: r for r in results}, limit


def _cell_limit(limit: int) -> int:
    """nbgrader's per-cell limit for sly's run: well above the wall-clock limit, so that the latter
    is what stops the sleeping cell."""
    return 4 * limit


def test_workers_cannot_read_the_course(dask, course):
    sentinel = str(course / "SENTINEL")
    assert pathlib.Path(sentinel).read_text() == "the course folder"

    def probe(path):
        try:
            with open(path) as handle:
                return handle.read()
        except OSError as exc:
            return f"unreadable: {type(exc).__name__}"

    seen = dask.client.run(probe, sentinel)
    assert len(seen) == 2 and all(v == "unreadable: FileNotFoundError" for v in seen.values()), seen


def test_graded_through_postgresql_on_separate_workers(pg_run, pg):
    results, _ = pg_run
    assert (results["ada"].status, results["ada"].score, results["ada"].max_score) == ("graded", FULL, FULL)
    assert _scores(pg.url("gradebook"), "ada") == POINTS
    assert {results[s].worker.split(":")[0] for s in ("ada", "hal")} <= {os.uname().nodename}


def test_hostile_submission_cannot_reach_the_gradebook(pg_run, pg, course):
    results, _ = pg_run
    assert results["hal"].status == "graded", results["hal"].reason
    assert _scores(pg.url("gradebook"), "hal") == POINTS == _scores(pg.url("gradebook"), "ada")
    said = cell_text(course, "hal", f"{_exercise(FIRST)}_solution")
    assert "HOSTILE env [] sockets [] reached []" in said, said
    assert pg.socket_file.exists(), "the server's socket is where Debian puts it, outside the sandbox"


def test_past_the_wall_clock_limit_keeps_the_cells_graded_so_far(pg_run, pg):
    results, limit = pg_run
    sly = results["sly"]
    assert sly.status == "timed out" and f"grading timed out after {limit} s" in sly.reason, sly
    scores = _scores(pg.url("gradebook"), "sly")
    assert scores[FIRST] == POINTS[FIRST] and scores[LAST] == 0, scores
    # stopped at its wall-clock limit: not by the per-cell limit, not at the end of its hour-long sleep
    assert limit <= sly.seconds < _cell_limit(limit)


def test_corrupt_submissions_get_a_clear_error_row(pg_run, pg, course):
    results, _ = pg_run
    reasons = {s: (results[s].status, results[s].reason) for s in ("nojson", "empty", "notnb", "wrong", "ghost")}
    assert reasons["nojson"][1].startswith(f"{LESSON}.ipynb is not JSON")
    assert reasons["empty"][1] == f"{LESSON}.ipynb is an empty file"
    assert reasons["notnb"][1].startswith(f"{LESSON}.ipynb is JSON but not a Jupyter notebook")
    assert reasons["wrong"][1].startswith(f"{LESSON}.ipynb is not this lesson's notebook")
    assert reasons["ghost"][1] == f"no submission folder submitted/ghost/{LESSON}"
    assert {status for status, _ in reasons.values()} == {"failed"}
    with open(course / f"grades-{LESSON}.csv") as handle:
        text = handle.read()
    assert f"ghost,,{FULL:g},failed,no submission folder" in text


def test_sqlite_and_postgresql_give_identical_rows(pg_run, pg, dask, course, courses):
    from coursegrader.coursedir import settings

    results = autograde_lesson(course, LESSON, ["ada", "hal"], scheduler=dask.address, progress=False, force=True)
    assert [r.status for r in results] == ["graded", "graded"]
    sqlite = _rows(settings(course).db_url)
    postgres = {k: v for k, v in _rows(pg.url("gradebook")).items() if k[0] in ("ada", "hal")}
    assert sqlite and sqlite == postgres


def test_database_unreachable_retried_then_stopped_with_nothing_half_written(pg_run, pg):
    from nbgrader.api import Gradebook, MissingEntry

    from coursegrader.grading.cluster import CellScore, GradebookUnreachable, read_graded, record

    url = pg.url("gradebook")
    ada = read_graded(url, "optim-nn", LESSON, "ada")

    def absent(student):
        with Gradebook(url, "optim-nn") as gb:
            try:
                gb.find_student(student)
                return False
            except MissingEntry:
                return True

    pg.stop()
    try:
        with pytest.raises(GradebookUnreachable, match="could not be written after 3 attempts.*Nothing of eve's"):
            record(url, "optim-nn", LESSON, dataclasses.replace(ada, student="eve"), attempts=3, wait=0.2)
    finally:
        pg.start()
    assert absent("eve")

    pg.stop()
    back = threading.Timer(2.0, pg.start)
    back.start()
    retries = []
    record(url, "optim-nn", LESSON, dataclasses.replace(ada, student="eve"), attempts=10, wait=0.5,
           on_retry=lambda n, exc: retries.append(n))
    back.join()
    assert retries and _scores(url, "eve") == POINTS

    # a failure in the middle of a submission's writes (a grade cell the gradebook does not know,
    # after the student, the submission and the other cells): none of it stays
    [notebook] = ada.notebooks
    broken = dataclasses.replace(ada, student="fay", notebooks=(dataclasses.replace(
        notebook, scores=(*notebook.scores, CellScore("no_such_cell", 1.0, 1.0))),))
    with pytest.raises(MissingEntry):
        record(url, "optim-nn", LESSON, broken)
    assert absent("fay")


def test_concurrent_writers_each_submission_once(pg_run, pg):
    from concurrent.futures import ThreadPoolExecutor

    from nbgrader.api import Gradebook

    from coursegrader.grading.cluster import read_graded, record

    url = pg.url("gradebook")
    ada = read_graded(url, "optim-nn", LESSON, "ada")
    names = [f"c{i}" for i in range(8)] + ["zed"] * 4  # four writers race on the same new student
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda s: record(url, "optim-nn", LESSON, dataclasses.replace(ada, student=s)), names))
    with Gradebook(url, "optim-nn") as gb:
        ids = [s.student_id for s in gb.assignment_submissions(LESSON)]
    assert sorted(i for i in ids if i in names) == sorted(set(names))
    assert all(_scores(url, s) == POINTS for s in set(names))


def test_client_killed_and_started_again_skips_what_was_graded(dask, courses):
    course = make_course(courses / "restart")
    students = ("s1", "s2", "s3")  # two workers: the first result comes while at most one more is done
    for student in students:
        Submission(course).write(course, student)
    cmd = [sys.executable, "-m", "tools.grade", LESSON, "--course", str(course), "--scheduler", dask.address,
           "--no-feedback"]
    first = subprocess.Popen(cmd, cwd=ROOT, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    keys = course / "autograded" / ".coursekit-keys" / LESSON
    deadline = time.monotonic() + 240
    while not (keys.is_dir() and any(keys.iterdir())):
        assert first.poll() is None, first.stdout.read().decode()
        assert time.monotonic() < deadline, "nothing graded in time"
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done_before = sorted(p.name for p in keys.iterdir())
    assert 1 <= len(done_before) < len(students)
    again = subprocess.run(cmd, cwd=ROOT, env=tool_env(), capture_output=True, text=True)
    assert again.returncode == 0, again.stdout + again.stderr
    table = {line.split()[0]: line.split() for line in again.stdout.splitlines() if line.startswith("s")}
    for student in students:
        status = table[student][2]
        assert status == ("skipped" if student in done_before else "graded"), (student, table)
        assert table[student][1] == f"{FULL:g}/{FULL:g}"


def test_worker_killed_mid_submission_is_retried_elsewhere_and_recorded_once(dask, courses):
    import psutil

    from coursegrader.coursedir import settings

    course = make_course(courses / "killed")
    Submission(course).prepend(_exercise(FIRST), "import time\ntime.sleep(8)\n").write(course, "kim")
    out = {}
    run = threading.Thread(target=lambda: out.update(results=autograde_lesson(
        course, LESSON, scheduler=dask.address, progress=False, feedback=False)))
    run.start()
    pids = dask.worker_pids()
    victim = None
    deadline = time.monotonic() + 180
    while victim is None:  # the worker whose kernel is running kim's notebook
        assert time.monotonic() < deadline and run.is_alive(), dask.logs()
        for address, pid in pids.items():
            if any(c.name() == "bwrap" for c in psutil.Process(pid).children(recursive=True)):
                victim = address
        time.sleep(0.2)
    time.sleep(1.0)
    dask.kill(victim)
    run.join(timeout=300)
    [kim] = out["results"]
    assert (kim.student, kim.status, kim.score) == ("kim", "graded", FULL), kim
    survivor = [a for a in pids if a != victim]
    assert kim.worker.endswith(f":{pids[survivor[0]]}")
    from nbgrader.api import Gradebook

    with Gradebook(settings(course).db_url, "optim-nn") as gb:
        assert [s.student_id for s in gb.assignment_submissions(LESSON)] == ["kim"]
    assert _scores(settings(course).db_url, "kim") == POINTS


def test_a_worker_without_the_sandbox_refuses(tmp_path):
    code = ("from coursegrader.grading.cluster import LessonBundle, SubmissionFiles, autograde_submission, "
            "SandboxRefused\n"
            "b = LessonBundle('x', b'', {'x.ipynb': b'{}'})\n"
            "try:\n    autograde_submission(b, SubmissionFiles('ann', {}))\n"
            "except SandboxRefused as exc:\n    print('REFUSED', exc)\n")
    env = {**tool_env(), "PATH": os.path.dirname(sys.executable)}  # no bwrap on PATH
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "REFUSED worker" in proc.stdout and "bubblewrap (bwrap) is not available" in proc.stdout, proc.stderr
    assert "--sandbox off" in proc.stdout
    shutil.rmtree(tmp_path, ignore_errors=True)
