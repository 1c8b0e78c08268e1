"""Autograde every submission of a lesson in parallel, sandboxed, into the course's gradebook.

    python -m tools.grade 01_gradients [--workers N] [--force] [--student ID ...]
    make grade LESSON=01_gradients [WORKERS=N]

Each worker process runs nbgrader's own autograde (``nbgrader.apps.AutogradeApp``, with the
course's ``nbgrader_config.py``: sandboxed kernel, verified scores) for one student at a time,
writing into its *own copy* of the gradebook, so workers never contend for the database. When
all are done, this process alone merges each graded student's rows (submission, grades,
comments) into the course gradebook, in student order. The result is what a serial
``nbgrader autograde LESSON`` writes; a failed submission is reported, never half-merged, and
its files in ``submitted/`` are untouched.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parents[1]
DB_NAME = "gradebook.db"
COURSE_ID = "optim-nn"


@dataclass
class Outcome:
    student: str
    ok: bool
    seconds: float
    db: str = ""
    error: str = ""


# -- in the worker processes -----------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(course: str, main_db: str, scratch: str, threads: int | None) -> None:
    import warnings

    warnings.filterwarnings("ignore", message=r".*not in session.*")  # nbgrader's API, SQLAlchemy 2 notes
    os.chdir(course)
    if threads:  # one BLAS/torch thread per kernel when kernels run side by side
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))
    db = os.path.join(scratch, f"worker-{os.getpid()}.db")
    _copy_db(main_db, db)
    _WORKER.update(course=course, db=db)


def _copy_db(src: str, dst: str) -> None:
    with sqlite3.connect(src, timeout=60) as source, sqlite3.connect(dst) as target:
        source.backup(target)
    source.close()
    target.close()


def _autograde(lesson: str, student: str, extra: list[str]) -> Outcome:
    """nbgrader autograde for one student, in this process, into the worker's gradebook copy."""
    import io
    import logging

    from nbgrader.apps.autogradeapp import AutogradeApp

    start = time.perf_counter()
    log = io.StringIO()
    app = AutogradeApp()
    handler = logging.StreamHandler(log)
    try:
        app.initialize([lesson, f"--student={student}", f"--CourseDirectory.db_url=sqlite:///{_WORKER['db']}",
                        "--log-level=ERROR", *extra])
        app.log.handlers = [handler]
        app.start()
        ok, error = True, ""
    except SystemExit as exc:  # nbgrader's app.fail() exits
        ok, error = exc.code in (0, None), log.getvalue().strip()[-2000:]
    except Exception as exc:  # noqa: BLE001 - report, grade the others
        ok, error = False, f"{type(exc).__name__}: {exc}\n{log.getvalue()[-2000:]}"
    finally:
        AutogradeApp.clear_instance()
    if ok and not _graded(lesson, student):
        ok, error = False, log.getvalue().strip()[-2000:] or "no grades were recorded"
    return Outcome(student, ok, time.perf_counter() - start, _WORKER["db"], error)


def _graded(lesson: str, student: str) -> bool:
    with sqlite3.connect(_WORKER["db"], timeout=60) as con:
        rows = con.execute(
            "SELECT count(*) FROM grade g JOIN submitted_notebook n ON g.notebook_id = n.id "
            "JOIN submitted_assignment s ON n.assignment_id = s.id JOIN assignment a ON s.assignment_id = a.id "
            "WHERE a.name = ? AND s.student_id = ? AND g.auto_score IS NOT NULL", (lesson, student)).fetchone()
    con.close()
    return rows[0] > 0


# -- in the main process -----------------------------------------------------------------------
def _columns(row) -> dict:
    """A row's own values: everything but its keys and the keys it points to."""
    return {c.name: getattr(row, c.name) for c in row.__table__.columns
            if c.name != "id" and not c.name.endswith("_id")}


def _merge_one(src, dst, lesson: str, student: str) -> None:
    who = src.find_student(student)
    dst.update_or_create_student(student, **_columns(who))
    sub = src.find_submission(lesson, student)
    dst.update_or_create_submission(lesson, student, **_columns(sub))
    for nb in sub.notebooks:
        tnb = dst.find_submission_notebook(nb.name, lesson, student)
        for key, value in _columns(nb).items():
            setattr(tnb, key, value)
        for g in nb.grades:
            tg = dst.find_grade(g.name, nb.name, lesson, student)
            for key, value in _columns(g).items():
                setattr(tg, key, value)
        for c in nb.comments:
            tc = dst.find_comment(c.name, nb.name, lesson, student)
            for key, value in _columns(c).items():
                setattr(tc, key, value)
    dst.db.commit()


def merge(main_db: str, lesson: str, graded: list[tuple[str, str]]) -> None:
    """Copy each (student, worker gradebook) autograded submission into the main gradebook, in
    student order, through nbgrader's own API; one transaction per student."""
    import warnings

    from nbgrader.api import Gradebook

    with warnings.catch_warnings(), Gradebook(f"sqlite:///{main_db}", COURSE_ID) as dst:
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes from nbgrader's own API
        sources = {}
        try:
            for student, src_db in sorted(graded):
                if src_db not in sources:
                    sources[src_db] = Gradebook(f"sqlite:///{src_db}", COURSE_ID).__enter__()
                _merge_one(sources[src_db], dst, lesson, student)
        finally:
            for gb in sources.values():
                gb.__exit__(None, None, None)


def submitted_students(course: pathlib.Path, lesson: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{lesson}") if p.is_dir()) if folder.is_dir() else []


def _nbgrader(course: pathlib.Path, *args: str) -> None:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"], cwd=course, env=env, check=True)


def _ensure_assignment(course: pathlib.Path, lesson: str) -> None:
    db = course / DB_NAME
    if db.exists():
        with sqlite3.connect(db) as con:
            found = con.execute("SELECT count(*) FROM assignment WHERE name = ?", (lesson,)).fetchone()[0]
        con.close()
        if found:
            return
    print(f"{lesson} is not in {db.name} yet: running nbgrader generate_assignment {lesson} first", file=sys.stderr)
    _nbgrader(course, "generate_assignment", lesson, "--force")


def sandbox_notice(mode: str) -> str | None:
    from coursekit.grading import sandbox

    reason = sandbox.unavailable_reason() if mode != "off" else "turned off (--sandbox off)"
    if reason is None:
        return None
    if mode == "required":
        raise SystemExit(f"error: the sandbox is required but {reason}")
    return (f"WARNING: grading WITHOUT the sandbox: {reason}. Student code will run with your "
            f"permissions and network access.")


def grade(course: pathlib.Path, lesson: str, *, workers: int | None = None, students: list[str] | None = None,
          force: bool = False, sandbox: str = "auto", timeout: int | None = None, progress: bool = True,
          threads: int | None = None) -> list[Outcome]:
    """Autograde ``students`` (default: every submission) of ``lesson`` with ``workers`` processes."""
    course = pathlib.Path(course).resolve()
    students = sorted(students) if students else submitted_students(course, lesson)
    workers = max(1, min(workers or os.cpu_count() or 1, len(students) or 1))
    notice = sandbox_notice(sandbox)
    if notice:
        print(notice, file=sys.stderr)
    if not students:
        print(f"no submissions of {lesson} in {course / 'submitted'}", file=sys.stderr)
        return []
    _ensure_assignment(course, lesson)
    extra = [f"--SafeExecute.sandbox={sandbox}"] + (["--force"] if force else [])
    if timeout:
        extra.append(f"--Execute.timeout={int(timeout)}")
    if threads is None and workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
    main_db = str(course / DB_NAME)
    outcomes: list[Outcome] = []
    scratch = tempfile.mkdtemp(prefix="coursekit-grade-")
    try:
        from tqdm import tqdm

        bar = tqdm(total=len(students), desc=f"autograde {lesson}", unit="sub", disable=not progress,
                   file=sys.stderr, dynamic_ncols=True)
        failures = 0
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no forked threads or locks
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                 initargs=(str(course), main_db, scratch, threads)) as pool:
            futures = {pool.submit(_autograde, lesson, s, extra): s for s in students}
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died: that submission failed
                    outcome = Outcome(futures[future], False, 0.0, error=f"worker failed: {exc}")
                outcomes.append(outcome)
                failures += not outcome.ok
                bar.update(1)
                bar.set_postfix(failed=failures)
        bar.close()
        merge(main_db, lesson, [(o.student, o.db) for o in outcomes if o.ok])  # one writer
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return sorted(outcomes, key=lambda o: o.student)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("lesson", help="the assignment, e.g. 01_gradients")
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: the number of cores)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="regrade students already autograded")
    parser.add_argument("--sandbox", choices=["auto", "required", "off"], default="auto",
                        help="bubblewrap sandbox for student code (default: auto, with a warning if missing)")
    parser.add_argument("--timeout", type=int, default=None, help="per-cell time limit in seconds (nbgrader Execute.timeout)")
    parser.add_argument("--course", default=None, help="the course directory (default: the current one if it "
                                                      "has nbgrader_config.py, else the repository)")
    args = parser.parse_args(argv)
    if not args.lesson:
        parser.error("which lesson? e.g. make grade LESSON=01_gradients")
    course = pathlib.Path(args.course) if args.course else (
        pathlib.Path.cwd() if (pathlib.Path.cwd() / "nbgrader_config.py").exists() else ROOT)
    start = time.perf_counter()
    outcomes = grade(course, args.lesson, workers=args.workers, students=args.student, force=args.force,
                     sandbox=args.sandbox, timeout=args.timeout)
    elapsed = time.perf_counter() - start
    failed = [o for o in outcomes if not o.ok]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} submissions of {args.lesson} autograded "
          f"in {elapsed:.1f} s into {course / DB_NAME}")
    for o in failed:
        print(f"FAILED {o.student}: {o.error.splitlines()[-1] if o.error else 'unknown error'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
