"""Autograde every submission of a lesson on Dask workers, sandboxed, into the course's gradebook.

    python -m tools.grade 01_gradients [--scheduler tcp://host:8786] [--db postgresql+psycopg://...]
                          [--workers N] [--student ID ...] [--force] [--time-limit S] [--sandbox off]
    make grade LESSON=01_gradients [SCHEDULER=tcp://host:8786] [DB=postgresql+psycopg://...] [WORKERS=N]

With no scheduler (neither ``--scheduler`` nor ``DASK_SCHEDULER_ADDRESS``) an embedded Dask
``LocalCluster`` runs one worker process per core. Workers never read the course directory: each
task carries the lesson's grader files (``nbgrader_config.py`` and ``source/<lesson>/``, sent once
per worker) and the submission's bytes, and returns the gradebook rows, the autograded notebook
and the feedback page (:mod:`coursegrader.grading.cluster`). This process is the one writer: it
records each result as it arrives, through nbgrader's ``Gradebook`` API, one transaction per
submission, into the course's gradebook (``db_url`` of ``nbgrader_config.py``) or ``--db``.

A submission whose hash (its files, the lesson's grader files, the grading code's version) is the
one already recorded is skipped, so an interrupted run started again grades only the rest;
``--force`` regrades. Corrupt submissions get an error row naming the reason. A table (student,
score, status, reason) is printed at the end and written as CSV.
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import pathlib
import shutil
import sys
import time
import uuid
from dataclasses import dataclass

from coursegrader.grading.cluster import (
    GradebookUnreachable,
    GradingWorkerPlugin,
    LessonBundle,
    SubmissionFiles,
    grade_submission,
    inspect_submission,
    record,
    submission_key,
)
from tools.course import CONFIG_FILE, gradebook, run_nbgrader, settings, unknown_lesson

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEYS = pathlib.Path("autograded") / ".coursekit-keys"  # under the course: lesson/student -> key of what was recorded


@dataclass
class SubmissionResult:
    """One row of the summary: ``status`` is "graded", "skipped" (already graded, unchanged),
    "timed out" (recorded with the cells graded before the limit) or "failed" (``reason`` says why;
    nothing recorded)."""

    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    reason: str = ""
    seconds: float = 0.0
    worker: str = ""
    timings: dict | None = None  # wall-clock seconds of each phase on the worker

    @property
    def error(self) -> str:
        """Why it failed (empty if it did not)."""
        return self.reason if self.status == "failed" else ""

    @property
    def ok(self) -> bool:
        """Recorded in the gradebook (graded now, earlier, or until its time limit)."""
        return self.status != "failed"


def submitted_students(course: pathlib.Path, lesson: str) -> list[str]:
    folder = course / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{lesson}") if p.is_dir()) if folder.is_dir() else []


def _ensure_assignment(course: pathlib.Path, lesson: str, db_url: str) -> None:
    """Record the lesson in the gradebook (nbgrader generate_assignment) if it is not there yet."""
    from nbgrader.api import MissingEntry

    path = settings(course).gradebook_path(course)
    if not db_url.startswith("sqlite:///") or path is None or path.exists() or db_url != f"sqlite:///{path}":
        with gradebook(course, db_url) as gb:
            try:
                gb.find_assignment(lesson)
                return
            except MissingEntry:
                pass
    print(f"{lesson} is not in the gradebook yet: running nbgrader generate_assignment {lesson} first",
          file=sys.stderr)
    run_nbgrader(course, "generate_assignment", lesson, "--force", f"--CourseDirectory.db_url={db_url}")


def _key_file(course: pathlib.Path, lesson: str, student: str) -> pathlib.Path:
    return course / KEYS / lesson / student


def _recorded_key(course: pathlib.Path, lesson: str, student: str, db_url: str) -> str | None:
    try:
        key, where = _key_file(course, lesson, student).read_text().split("\n")[:2]
    except (OSError, ValueError):
        return None
    return key if where == db_url else None


def _write_folder(folder: pathlib.Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _score(rows: dict) -> float:
    total = 0.0
    for nb in rows["notebooks"].values():
        for g in nb["grades"].values():
            total += (g["manual_score"] if g["manual_score"] is not None else g["auto_score"] or 0)
            total += g.get("extra_credit") or 0
    return total


def _max_score(bundle: LessonBundle) -> float:
    import json

    from coursegrader.grading.protocol import nbgrader_meta

    nb = json.loads(bundle.source[f"{bundle.lesson}.ipynb"])
    return float(sum(nbgrader_meta(c).get("points", 0) or 0 for c in nb["cells"] if nbgrader_meta(c).get("grade")))


def _recorded_score(course: pathlib.Path, db_url: str, lesson: str, student: str) -> float | None:
    from nbgrader.api import MissingEntry

    try:
        with gradebook(course, db_url) as gb:
            return gb.find_submission(lesson, student).score
    except MissingEntry:
        return None


class LatePenalties:
    """nbgrader's own ``AssignLatePenalties``, with the course's configuration (``LateSubmissionPlugin``'s
    ``penalty_method``, or your ``AssignLatePenalties.plugin_class``), run on the course's gradebook for
    each notebook of a recorded submission, as serial ``nbgrader autograde`` runs it: the workers grade
    in a scratch gradebook that knows neither the lesson's due date nor the student's extension. A
    lesson without a due date has no late submission: nothing is run."""

    def __init__(self, course: pathlib.Path, lesson: str, db_url: str):
        from nbgrader.api import MissingEntry
        from traitlets.config.loader import PyFileConfigLoader

        self.course, self.lesson, self.db_url = course, lesson, db_url
        try:
            with gradebook(course, db_url) as gb:
                self.due = gb.find_assignment(lesson).duedate
        except MissingEntry:
            self.due = None
        self.config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config() if self.due else None

    def __call__(self, student: str) -> float:
        """Apply the penalty to ``student``'s recorded submission; return it (0 when on time)."""
        if self.due is None:
            return 0.0
        import logging

        import nbformat
        from nbgrader.preprocessors import AssignLatePenalties

        quiet = logging.getLogger("coursekit.late")
        quiet.propagate = False
        with gradebook(self.course, self.db_url) as gb:
            names = [nb.name for nb in gb.find_submission(self.lesson, student).notebooks]
        for name in names:
            resources = {"nbgrader": {"notebook": name, "assignment": self.lesson, "student": student,
                                      "db_url": self.db_url}}
            AssignLatePenalties(config=self.config, log=quiet).preprocess(nbformat.v4.new_notebook(), resources)
        with gradebook(self.course, self.db_url) as gb:
            return float(gb.find_submission(self.lesson, student).late_submission_penalty or 0.0)


class _Cluster:
    """A Dask client on ``scheduler`` (an address), or on an embedded LocalCluster."""

    def __init__(self, scheduler: str | None, workers: int | None, quiet: bool):
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        level = logging.CRITICAL  # a task's failure is reported in its row, not logged by Dask
        if scheduler:
            self.client = Client(scheduler, timeout="60s")
        else:
            try:
                import bokeh  # noqa: F401 - the dashboard needs it
                dashboard = ":0"
            except ImportError:
                dashboard = None
            # Dask's statistical profiler samples every worker's stack every 10 ms (0.05 of a core when
            # idle, more while grading); nothing here reads it. The workers inherit this setting.
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                            processes=True, memory_limit=0, dashboard_address=dashboard,
                                            silence_logs=level)
            self.client = Client(self.cluster)

    @property
    def dashboard(self) -> str | None:
        try:
            return self.client.dashboard_link if self.client.scheduler_info().get("services", {}).get("dashboard") \
                else None
        except Exception:  # noqa: BLE001 - the link is a convenience
            return None

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def grade(lesson: str, students: list[str] | None = None, scheduler: str | None = None, db_url: str | None = None,
          *, course: pathlib.Path | str | None = None, workers: int | None = None, force: bool = False,
          sandbox: str = "required", time_limit: float | None = 600, timeout: int | None = None,
          feedback: bool = True, progress: bool = True, csv_path: pathlib.Path | str | None = None,
          db_attempts: int = 8, db_wait: float = 1.0, options: tuple[str, ...] = ()) -> list[SubmissionResult]:
    """Autograde ``students`` (default: every submission) of ``lesson``; one result per student.

    ``scheduler``: a Dask scheduler's address (default: ``DASK_SCHEDULER_ADDRESS``, else an
    embedded LocalCluster of ``workers`` processes); ``db_url``: the gradebook (default: the
    course's); ``time_limit``: wall-clock seconds per submission; ``timeout``: nbgrader's per-cell
    limit; ``sandbox="off"`` opts out of the sandbox explicitly; ``options``: more nbgrader options.
    Raises :class:`GradebookUnreachable` (after ``db_attempts``) if the database stays down."""
    course = pathlib.Path(course or ROOT).resolve()
    db_url = db_url or settings(course).gradebook_url(course)
    course_id = settings(course).course_id
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    everyone = submitted_students(course, lesson)
    students = sorted(set(students)) if students else everyone
    if sandbox == "off":
        print("WARNING: grading WITHOUT the sandbox (--sandbox off): student code runs with the workers' "
              "permissions and network access.", file=sys.stderr)
    if not students:
        print(f"no submissions of {lesson} in {course / 'submitted'}", file=sys.stderr)
        return []
    _ensure_assignment(course, lesson, db_url)
    late = LatePenalties(course, lesson, db_url)
    bundle = LessonBundle.from_course(course, lesson)
    most = _max_score(bundle)
    results: dict[str, SubmissionResult] = {}
    todo: list[tuple[SubmissionFiles, str]] = []
    for student in students:
        problem = inspect_submission(course, bundle, student)
        if problem:
            results[student] = SubmissionResult(student, "failed", None, most, problem)
            continue
        files = SubmissionFiles.from_course(course, lesson, student)
        key = submission_key(files, bundle)
        if not force and _recorded_key(course, lesson, student, db_url) == key:
            score = _recorded_score(course, db_url, lesson, student)
            if score is not None:  # the due date or an extension may have changed since: penalty again
                penalty = late(student)
                results[student] = SubmissionResult(student, "skipped", score, most, "already graded, unchanged"
                                                    + (f"; late submission penalty {penalty:g}" if penalty else ""))
                continue
        todo.append((files, key))

    from tqdm import tqdm

    bar = tqdm(total=len(students), desc=f"autograde {lesson}", unit="sub", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    counts = {"graded": 0, "failed": 0, "skipped": 0}
    for r in results.values():
        counts["failed" if r.status == "failed" else "skipped"] += 1
    bar.update(len(results))
    bar.set_postfix(counts)
    options = tuple(options) + ((f"--Execute.timeout={int(timeout)}",) if timeout else ())
    if todo:
        _run(course, lesson, bundle, todo, results, counts, bar, scheduler=scheduler, workers=workers,
             db_url=db_url, course_id=course_id, sandbox=sandbox, time_limit=time_limit, feedback=feedback,
             options=options, most=most, quiet=not progress, db_attempts=db_attempts, db_wait=db_wait, late=late)
    bar.close()
    ordered = [results[s] for s in students]
    write_csv(ordered, pathlib.Path(csv_path) if csv_path else course / f"grades-{lesson}.csv")
    return ordered


def _run(course, lesson, bundle, todo, results, counts, bar, *, scheduler, workers, db_url, course_id, sandbox,
         time_limit, feedback, options, most, quiet, db_attempts, db_wait, late) -> None:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    cluster = _Cluster(scheduler, workers, quiet)
    try:
        client = cluster.client
        link = cluster.dashboard
        if link:
            bar.write(f"Dask dashboard: {link}", file=sys.stderr)
        cores = os.cpu_count() or 1
        client.register_plugin(GradingWorkerPlugin(threads=max(1, cores // workers) if not scheduler else 1))
        # the bundle (tens of kB) travels with each task: no task depends on data a dead worker held
        futures = {}
        for files, key in todo:
            future = client.submit(grade_submission, bundle, files, key, sandbox=sandbox, time_limit=time_limit,
                                   feedback=feedback, options=options, pure=False,
                                   key=f"grade-{lesson}-{files.student}-{uuid.uuid4().hex[:12]}")
            futures[future] = files.student
        for future in as_completed(futures):
            student = futures[future]
            try:
                out = future.result()
            except KilledWorker as exc:
                results[student] = SubmissionResult(student, "failed", None, most,
                                                     f"every worker that tried to grade it died ({exc})")
            except Exception as exc:  # noqa: BLE001 - the task's own error, reported in the row
                results[student] = SubmissionResult(student, "failed", None, most, f"{type(exc).__name__}: {exc}")
            else:
                results[student] = _keep(course, lesson, db_url, course_id, out, most, db_attempts, db_wait, bar, late)
            status = results[student].status
            counts["graded" if status in ("graded", "timed out") else "failed"] += 1
            bar.update(1)
            bar.set_postfix(counts)
    except GradebookUnreachable:
        for future in futures:
            future.cancel()
        raise
    finally:
        cluster.close()


def _keep(course, lesson, db_url, course_id, out: dict, most: float, attempts: int, wait: float,
          bar, late: LatePenalties) -> SubmissionResult:
    """Record a worker's result: gradebook first (one transaction), then the files, then the key."""
    student = out["student"]
    if out["status"] == "failed":
        return SubmissionResult(student, "failed", None, most, out["reason"], out["seconds"], out["worker"])

    def retrying(attempt, exc):
        bar.write(f"the gradebook is unreachable (attempt {attempt}): {str(exc).splitlines()[0]}; retrying",
                  file=sys.stderr)

    record(db_url, course_id, lesson, student, out["rows"], attempts=attempts, wait=wait, on_retry=retrying)
    try:
        penalty = late(student)
        said = f"late submission penalty {penalty:g}" if penalty else ""
    except Exception as exc:  # noqa: BLE001 - said in the row; no key is kept, so the next run grades it again
        penalty, said = None, f"the late penalty could not be applied ({type(exc).__name__}: {exc}): run again"
    reason = "; ".join(r for r in (out["reason"], said) if r)
    _write_folder(course / "autograded" / student / lesson, out["autograded"])
    if out["feedback"]:
        _write_folder(course / "feedback" / student / lesson, out["feedback"])
    if penalty is not None:
        key_file = _key_file(course, lesson, student)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(f"{out['key']}\n{db_url}\n")
    return SubmissionResult(student, out["status"], _score(out["rows"]), most, reason, out["seconds"],
                            out["worker"], out.get("timings"))


def write_csv(results: list[SubmissionResult], path: pathlib.Path) -> None:
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["student", "score", "max_score", "status", "reason"])
        for r in results:
            out.writerow([r.student, "" if r.score is None else f"{r.score:g}",
                          "" if r.max_score is None else f"{r.max_score:g}", r.status, r.reason])


def table(results: list[SubmissionResult]) -> str:
    """The summary as aligned text: student, score, status, reason (first line)."""
    rows = [("student", "score", "status", "reason")]
    for r in results:
        score = "" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        rows.append((r.student, score, r.status, (r.reason.splitlines() or [""])[0][:100]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("lesson", help="the assignment, e.g. 01_gradients")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler's address, e.g. tcp://host:8786 (default: "
                                                          "DASK_SCHEDULER_ADDRESS, else an embedded LocalCluster)")
    parser.add_argument("--db", default=None, help="the gradebook's address (default: db_url of nbgrader_config.py)")
    parser.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: cores)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable); regrades it")
    parser.add_argument("--force", action="store_true", help="regrade submissions already graded and unchanged")
    parser.add_argument("--sandbox", choices=["required", "off"], default="required",
                        help="'off' opts out of the bubblewrap sandbox explicitly (default: workers refuse without it)")
    parser.add_argument("--time-limit", type=float, default=600, help="wall-clock seconds per submission (default 600)")
    parser.add_argument("--timeout", type=int, default=None, help="per-cell limit, seconds (Execute.timeout)")
    parser.add_argument("--no-feedback", action="store_true", help="do not generate the feedback pages")
    parser.add_argument("--csv", default=None, help="where the summary CSV goes (default: <course>/grades-LESSON.csv)")
    parser.add_argument("--course", default=None, help="the course directory (default: the current one if it "
                                                      "has nbgrader_config.py, else the repository)")
    args = parser.parse_args(argv)
    if not args.lesson:
        parser.error("which lesson? e.g. make grade LESSON=01_gradients")
    course = pathlib.Path(args.course) if args.course else (
        pathlib.Path.cwd() if (pathlib.Path.cwd() / "nbgrader_config.py").exists() else ROOT)
    if unknown_lesson(course, args.lesson):
        parser.error(unknown_lesson(course, args.lesson))
    start = time.perf_counter()
    try:
        results = grade(args.lesson, args.student, args.scheduler, args.db, course=course, workers=args.workers,
                        force=args.force or bool(args.student), sandbox=args.sandbox, time_limit=args.time_limit,
                        timeout=args.timeout, feedback=not args.no_feedback, csv_path=args.csv)
    except GradebookUnreachable as exc:
        print(f"STOPPED: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    recorded = [r for r in results if r.ok]
    print(table(results))
    where = args.db or settings(pathlib.Path(course).resolve()).gradebook_url(pathlib.Path(course).resolve())
    print(f"{len(recorded)} of {len(results)} submissions of {args.lesson} autograded in {elapsed:.1f} s into {where}")
    for r in results:
        if not r.ok:
            print(f"FAILED {r.student}: " + (r.reason or "unknown error").replace("\n", "\n    "))
    return 1 if len(recorded) < len(results) else 0


if __name__ == "__main__":
    sys.exit(main())
