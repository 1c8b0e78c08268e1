"""Autograde every submission of a lesson on Dask workers, sandboxed, into the course's gradebook:
:func:`autograde_lesson`, what ``make grade`` (``tools/grade.py``) runs.

With no scheduler (neither ``scheduler`` nor ``DASK_SCHEDULER_ADDRESS``) an embedded Dask
``LocalCluster`` runs one worker process per core. Workers never read the course directory: each
task carries the lesson's grader files and the submission's bytes (:mod:`.bundle`), and comes back
as a :class:`~.result.GradedSubmission` (:mod:`.worker`). This process is the one writer: it
records each result as it arrives (:mod:`.record`: one transaction per submission, the late
penalty included) into the course's gradebook (``db_url`` of ``nbgrader_config.py``) or
``db_url``, then writes the autograded notebook and the feedback page into the course.

A submission whose hash (its files, the lesson's grader files, the grading code's version) is the
one already recorded is skipped, so an interrupted run started again grades only the rest;
``force`` regrades. Corrupt submissions get a failed row naming the reason. The summary (one
:class:`Outcome` per student) is returned and written as CSV.
"""
from __future__ import annotations

import csv
import dataclasses
import logging
import os
import pathlib
import shutil
import sys
import uuid

from coursegrader.coursedir import gradebook, load_config, run_nbgrader, settings, submitted_students

from .bundle import LessonBundle, SubmissionFiles, inspect_submission, submission_key
from .record import GradebookUnreachable, LatePenalty, LatePenaltyFailed, apply_late_penalty, record
from .result import GradedSubmission
from .worker import GradingWorkerPlugin, autograde_submission

KEYS = pathlib.Path("autograded") / ".coursekit-keys"  # under the course: lesson/student -> key of what was recorded


@dataclasses.dataclass(frozen=True)
class Outcome:
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
    timings: dict = dataclasses.field(default_factory=dict)  # wall-clock seconds of each phase on the worker

    @property
    def error(self) -> str:
        """Why it failed (empty if it did not)."""
        return self.reason if self.status == "failed" else ""

    @property
    def ok(self) -> bool:
        """Recorded in the gradebook (graded now, earlier, or until its time limit)."""
        return self.status != "failed"


def autograde_lesson(course: pathlib.Path | str, lesson: str, students: list[str] | None = None, *,
                     scheduler: str | None = None, db_url: str | None = None, workers: int | None = None,
                     force: bool = False, sandbox: str = "required", time_limit: float | None = 600,
                     timeout: int | None = None, feedback: bool = True, progress: bool = True,
                     csv_path: pathlib.Path | str | None = None, db_attempts: int = 8, db_wait: float = 1.0,
                     options: tuple[str, ...] = ()) -> list[Outcome]:
    """Autograde ``students`` (default: every submission) of ``lesson`` in the course directory
    ``course``; one :class:`Outcome` per student, in the order of their names.

    ``scheduler``: a Dask scheduler's address (default: ``DASK_SCHEDULER_ADDRESS``, else an
    embedded LocalCluster of ``workers`` processes); ``db_url``: the gradebook (default: the
    course's); ``time_limit``: wall-clock seconds per submission; ``timeout``: nbgrader's per-cell
    limit; ``sandbox="off"`` opts out of the sandbox explicitly; ``options``: more nbgrader options;
    ``csv_path``: where the summary goes (default: ``<course>/grades-<lesson>.csv``).
    Raises :class:`~.record.GradebookUnreachable` (after ``db_attempts``) if the database stays down."""
    course = pathlib.Path(course).resolve()
    conf = settings(course)
    db_url = db_url or conf.db_url
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    students = sorted(set(students)) if students else submitted_students(course, lesson)
    if sandbox == "off":
        print("WARNING: grading WITHOUT the sandbox (--sandbox off): student code runs with the workers' "
              "permissions and network access.", file=sys.stderr)
    if not students:
        print(f"no submissions of {lesson} in {course / 'submitted'}", file=sys.stderr)
        return []
    due = _ensure_assignment(course, lesson, db_url)
    run = _Run(course, lesson, LessonBundle.from_course(course, lesson), db_url, conf.course_id,
               LatePenalty(load_config(course)), db_attempts, db_wait)
    outcomes: dict[str, Outcome] = {}
    todo: list[tuple[SubmissionFiles, str]] = []
    for student in students:
        problem = inspect_submission(course, run.bundle, student)
        if problem:
            outcomes[student] = run.failed(GradedSubmission(student, "failed", problem))
            continue
        files = SubmissionFiles.from_course(course, lesson, student)
        key = submission_key(files, run.bundle)
        skipped = None if force or _recorded_key(course, lesson, student, db_url) != key else run.skip(student, due)
        if skipped is not None:
            outcomes[student] = skipped
        else:
            todo.append((files, key))

    from tqdm import tqdm

    bar = tqdm(total=len(students), desc=f"autograde {lesson}", unit="sub", disable=not progress,
               file=sys.stderr, dynamic_ncols=True)
    counts = {"graded": 0, "failed": 0, "skipped": 0}
    for o in outcomes.values():
        counts["failed" if o.status == "failed" else "skipped"] += 1
    bar.update(len(outcomes))
    bar.set_postfix(counts)
    run.bar = bar
    options = tuple(options) + ((f"--Execute.timeout={int(timeout)}",) if timeout else ())
    if todo:
        cluster = _Cluster(scheduler, max(1, min(workers or os.cpu_count() or 1, len(todo))))
        try:
            for outcome in cluster.autograde(run, todo, sandbox=sandbox, time_limit=time_limit, feedback=feedback,
                                             options=options):
                outcomes[outcome.student] = outcome
                counts["graded" if outcome.ok else "failed"] += 1
                bar.update(1)
                bar.set_postfix(counts)
        finally:
            cluster.close()
    bar.close()
    ordered = [outcomes[s] for s in students]
    write_csv(ordered, pathlib.Path(csv_path) if csv_path else course / f"grades-{lesson}.csv")
    return ordered


def _ensure_assignment(course: pathlib.Path, lesson: str, db_url: str):
    """Record the lesson in the gradebook (nbgrader generate_assignment) if it is not there yet;
    return its due date (``None``: none)."""
    from nbgrader.api import MissingEntry

    path = settings(course).sqlite_path
    if not db_url.startswith("sqlite:///") or path is None or path.exists() or db_url != f"sqlite:///{path}":
        with gradebook(course, db_url) as gb:
            try:
                return gb.find_assignment(lesson).duedate
            except MissingEntry:
                pass
    print(f"{lesson} is not in the gradebook yet: running nbgrader generate_assignment {lesson} first",
          file=sys.stderr)
    run_nbgrader(course, "generate_assignment", lesson, "--force", f"--CourseDirectory.db_url={db_url}")
    with gradebook(course, db_url) as gb:
        return gb.find_assignment(lesson).duedate


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


@dataclasses.dataclass
class _Run:
    """One run's fixed facts, and what it does with each submission on the client."""

    course: pathlib.Path
    lesson: str
    bundle: LessonBundle
    db_url: str
    course_id: str
    late: LatePenalty
    db_attempts: int
    db_wait: float
    bar: object = None  # the progress bar, to print retries above it

    def failed(self, graded: GradedSubmission) -> Outcome:
        return Outcome(graded.student, "failed", None, self.bundle.max_score, graded.reason, graded.seconds,
                       graded.worker, graded.timings)

    def skip(self, student: str, due) -> Outcome | None:
        """The row of a submission recorded earlier and unchanged (``None`` if the gradebook no
        longer has it); its late penalty is set again when the lesson has a due date (the due date
        or an extension may have changed since)."""
        from nbgrader.api import MissingEntry

        try:
            with gradebook(self.course, self.db_url) as gb:
                score = gb.find_submission(self.lesson, student).score
        except MissingEntry:
            return None
        penalty = apply_late_penalty(self.db_url, self.course_id, self.lesson, student, self.late,
                                     attempts=self.db_attempts, wait=self.db_wait, on_retry=self._retrying) \
            if due is not None else 0.0
        return Outcome(student, "skipped", score, self.bundle.max_score, "already graded, unchanged"
                       + (f"; late submission penalty {penalty:g}" if penalty else ""))

    def keep(self, graded: GradedSubmission) -> Outcome:
        """Record a worker's result: the gradebook first (one transaction), then the files, then the key."""
        if graded.status == "failed":
            return self.failed(graded)
        student = graded.student
        try:
            penalty = record(self.db_url, self.course_id, self.lesson, graded, late=self.late,
                             attempts=self.db_attempts, wait=self.db_wait, on_retry=self._retrying)
        except LatePenaltyFailed as exc:  # nothing recorded and no key kept: the next run grades it again
            return self.failed(dataclasses.replace(graded, status="failed", notebooks=(),
                                                   reason=f"{exc}: nothing was recorded; run again"))
        reason = "; ".join(r for r in (graded.reason, f"late submission penalty {penalty:g}" if penalty else "") if r)
        _write_folder(self.course / "autograded" / student / self.lesson, graded.autograded)
        if graded.feedback:
            _write_folder(self.course / "feedback" / student / self.lesson, graded.feedback)
        key_file = _key_file(self.course, self.lesson, student)
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(f"{graded.key}\n{self.db_url}\n")
        return Outcome(student, graded.status, graded.score, self.bundle.max_score, reason, graded.seconds,
                       graded.worker, graded.timings)

    def _retrying(self, attempt: int, exc: Exception) -> None:
        message = f"the gradebook is unreachable (attempt {attempt}): {str(exc).splitlines()[0]}; retrying"
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)


class _Cluster:
    """A Dask client on ``scheduler`` (an address), or on an embedded LocalCluster of ``workers``."""

    def __init__(self, scheduler: str | None, workers: int):
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        self.workers = workers
        self.external = bool(scheduler)
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
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=0,
                                            dashboard_address=dashboard,
                                            silence_logs=logging.CRITICAL)  # a task's failure is in its row
            self.client = Client(self.cluster)

    @property
    def dashboard(self) -> str | None:
        try:
            return self.client.dashboard_link if self.client.scheduler_info().get("services", {}).get("dashboard") \
                else None
        except Exception:  # noqa: BLE001 - the link is a convenience
            return None

    def autograde(self, run: _Run, todo: list[tuple[SubmissionFiles, str]], **task_options):
        """Submit every submission in ``todo`` ((files, key) pairs) and yield each one's
        :class:`Outcome` as its result arrives and is recorded."""
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        link = self.dashboard
        if link:
            run.bar.write(f"Dask dashboard: {link}", file=sys.stderr)
        cores = os.cpu_count() or 1
        self.client.register_plugin(GradingWorkerPlugin(threads=1 if self.external else max(1, cores // self.workers)))
        # the bundle (tens of kB) travels with each task: no task depends on data a dead worker held
        futures = {}
        for files, key in todo:
            future = self.client.submit(autograde_submission, run.bundle, files, key, pure=False,
                                        key=f"autograde-{run.lesson}-{files.student}-{uuid.uuid4().hex[:12]}",
                                        **task_options)
            futures[future] = files.student
        try:
            for future in as_completed(futures):
                student = futures[future]
                try:
                    graded = future.result()
                except KilledWorker as exc:
                    graded = GradedSubmission(student, "failed", f"every worker that tried to grade it died ({exc})")
                except Exception as exc:  # noqa: BLE001 - the task's own error, reported in the row
                    graded = GradedSubmission(student, "failed", f"{type(exc).__name__}: {exc}")
                yield run.keep(graded)
        except GradebookUnreachable:
            for future in futures:
                future.cancel()
            raise

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def write_csv(outcomes: list[Outcome], path: pathlib.Path) -> None:
    """The summary as CSV: student, score, max_score, status, reason."""
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["student", "score", "max_score", "status", "reason"])
        for o in outcomes:
            out.writerow([o.student, "" if o.score is None else f"{o.score:g}",
                          "" if o.max_score is None else f"{o.max_score:g}", o.status, o.reason])
