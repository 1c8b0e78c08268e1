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
import logging
import multiprocessing
import os
import pathlib
import shutil
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from tools.course import gradebook, run_nbgrader, settings

ROOT = pathlib.Path(__file__).resolve().parents[1]


@dataclass
class SubmissionResult:
    """How grading one student's submission went: ``error`` says why it failed, in the words of
    the exception that stopped it (nbgrader's log and the kernel's own message)."""

    student: str
    ok: bool
    seconds: float
    db: str = ""
    error: str = ""


# -- in the worker processes -----------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(course: str, main_db: str, scratch: str, threads: int | None) -> None:
    """Each worker grades into its own copy of the gradebook (a file copy through SQLite's
    backup API: no table is read or written here)."""
    import warnings

    warnings.filterwarnings("ignore", message=r".*not in session.*")  # nbgrader's API, SQLAlchemy 2 notes
    os.chdir(course)
    if threads:  # one BLAS/torch thread per kernel when kernels run side by side
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))
    db = os.path.join(scratch, f"worker-{os.getpid()}.db")
    _copy_db(main_db, db)
    _WORKER.update(course=course, db=db, url=f"sqlite:///{db}")


def _copy_db(src: str, dst: str) -> None:
    with sqlite3.connect(src, timeout=60) as source, sqlite3.connect(dst) as target:
        source.backup(target)
    source.close()
    target.close()


class _Messages(logging.Handler):
    """Keeps every message nbgrader logs while grading one submission."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def failure_cause(messages: list[str]) -> str:
    """Why a submission failed, from nbgrader's log: the exception at the end of the last traceback
    it logged (with the kernel's own message, see SafeExecute), never its pointer to that
    traceback ("Please see the above traceback")."""
    for message in reversed(messages):
        lines = message.strip().splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
        if starts:
            tail = [line for line in lines[starts[-1] + 1:] if line.strip() and not line.startswith(" ")]
            if tail:
                return "\n".join(tail)
    generic = ("Please see the", "There was an error processing assignment")
    useful = [m.strip() for m in messages if m.strip() and not m.strip().startswith(generic)]
    return useful[-1] if useful else "nbgrader gave no reason"


def _autograde(lesson: str, student: str, extra: list[str]) -> SubmissionResult:
    """nbgrader autograde for one student, in this process, into the worker's gradebook copy."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    start = time.perf_counter()
    app = AutogradeApp()
    handler = _Messages()
    try:
        app.initialize([lesson, f"--student={student}", f"--CourseDirectory.db_url={_WORKER['url']}",
                        "--log-level=ERROR", *extra])
        app.log.handlers = [handler]
        app.start()
        ok, error = True, ""
    except SystemExit as exc:  # nbgrader's app.fail() exits
        ok = exc.code in (0, None)
        error = "" if ok else failure_cause(handler.messages)
    except Exception as exc:  # noqa: BLE001 - report, grade the others
        ok, error = False, f"{type(exc).__name__}: {exc}"
    finally:
        AutogradeApp.clear_instance()
    if ok and not _graded(lesson, student):
        ok, error = False, failure_cause(handler.messages) if handler.messages else "no grades were recorded"
    return SubmissionResult(student, ok, time.perf_counter() - start, _WORKER["db"], error)


def _graded(lesson: str, student: str) -> bool:
    """Whether the worker's gradebook holds autograded scores of this student's submission."""
    from nbgrader.api import MissingEntry

    with gradebook(pathlib.Path(_WORKER["course"]), _WORKER["url"]) as gb:
        try:
            submission = gb.find_submission(lesson, student)
        except MissingEntry:
            return False
        return any(g.auto_score is not None for nb in submission.notebooks for g in nb.grades)


# -- in the main process -----------------------------------------------------------------------
def _columns(row) -> dict:
    """A row's own values: everything but its keys and the keys it points to."""
    from sqlalchemy import inspect

    return {a.key: getattr(row, a.key) for a in inspect(row).mapper.column_attrs
            if a.key != "id" and not a.key.endswith("_id")}


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


def merge(course: pathlib.Path, lesson: str, graded: list[tuple[str, str]]) -> None:
    """Copy each (student, worker gradebook) autograded submission into the course's gradebook, in
    student order, through nbgrader's own API; one transaction per student."""
    import warnings

    with warnings.catch_warnings(), gradebook(course) as dst:
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes from nbgrader's own API
        sources = {}
        try:
            for student, src_db in sorted(graded):
                if src_db not in sources:
                    sources[src_db] = gradebook(course, f"sqlite:///{src_db}").__enter__()
                _merge_one(sources[src_db], dst, lesson, student)
        finally:
            for gb in sources.values():
                gb.__exit__(None, None, None)


def submitted_students(course: pathlib.Path, lesson: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{lesson}") if p.is_dir()) if folder.is_dir() else []


def _ensure_assignment(course: pathlib.Path, lesson: str) -> None:
    """Record the lesson in the gradebook (nbgrader generate_assignment) if it is not there yet."""
    from nbgrader.api import MissingEntry

    db = settings(course).gradebook_path(course)
    if db is None or db.exists():
        with gradebook(course) as gb:
            try:
                gb.find_assignment(lesson)
                return
            except MissingEntry:
                pass
    print(f"{lesson} is not in the gradebook yet: running nbgrader generate_assignment {lesson} first",
          file=sys.stderr)
    run_nbgrader(course, "generate_assignment", lesson, "--force")


def sandbox_notice(mode: str) -> str | None:
    from coursekit.grading.autograde import sandbox

    reason = sandbox.unavailable_reason() if mode != "off" else "turned off (--sandbox off)"
    if reason is None:
        return None
    if mode == "required":
        raise SystemExit(f"error: the sandbox is required but {reason}")
    return (f"WARNING: grading WITHOUT the sandbox: {reason}. Student code will run with your "
            f"permissions and network access.")


def grade(course: pathlib.Path, lesson: str, *, workers: int | None = None, students: list[str] | None = None,
          force: bool = False, sandbox: str = "auto", timeout: int | None = None, progress: bool = True,
          threads: int | None = None, extra_args: list[str] = ()) -> list[SubmissionResult]:
    """Autograde ``students`` (default: every submission) of ``lesson`` with ``workers`` processes
    (``extra_args``: more nbgrader options, e.g. ``--SafeExecute.memory_limit_gb=2``)."""
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
    extra = [f"--SafeExecute.sandbox={sandbox}", *extra_args] + (["--force"] if force else [])
    if timeout:
        extra.append(f"--Execute.timeout={int(timeout)}")
    if threads is None and workers > 1:
        threads = max(1, (os.cpu_count() or 1) // workers)
    main_db = settings(course).gradebook_path(course)
    if main_db is None:
        raise SystemExit("error: tools.grade merges SQLite gradebooks; the course's db_url is not SQLite")
    main_db = str(main_db)
    outcomes: list[SubmissionResult] = []
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
                    outcome = SubmissionResult(futures[future], False, 0.0, error=f"worker failed: {exc}")
                outcomes.append(outcome)
                failures += not outcome.ok
                bar.update(1)
                bar.set_postfix(failed=failures)
        bar.close()
        merge(course, lesson, [(o.student, o.db) for o in outcomes if o.ok])  # one writer
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
    parser.add_argument("--timeout", type=int, default=None,
                        help="per-cell time limit in seconds (nbgrader Execute.timeout)")
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
          f"in {elapsed:.1f} s into {settings(course).gradebook_url(course)}")
    for o in failed:
        print(f"FAILED {o.student}: " + (o.error or "unknown error").replace("\n", "\n    "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
