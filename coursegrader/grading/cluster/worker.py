"""The grading task that runs on a Dask worker, and the plugin that prepares the worker.

:func:`autograde_submission` gets a :class:`~.bundle.LessonBundle` and a
:class:`~.bundle.SubmissionFiles` (bytes, never paths into the course) and grades the submission
in a *private scratch course* made from the bundle once per worker and lesson: nbgrader's own
``generate_assignment`` registers the lesson in a scratch SQLite gradebook, then, per submission,
nbgrader's own ``autograde`` (the course's ``nbgrader_config.py``: sandboxed kernel, verified
scores) and ``generate_feedback`` run in this process. It returns a
:class:`~.result.GradedSubmission`: the scores and comments nbgrader recorded in the scratch
gradebook (read field by named field), the autograded folder's files and the feedback page, or
why the submission could not be graded. The scratch gradebook is emptied of the student
afterwards, so it never grows.

The kernel grades inside the sandbox or not at all: a worker where bubblewrap cannot run refuses
the task (:class:`SandboxRefused`) unless the instructor opted out (``sandbox="off"``). Besides
the scratch course, the sandbox hides the database servers' socket folders and, when the worker
shares a machine with the client, the real course folder. The worker's environment is scrubbed
of database addresses and credentials before any kernel starts (:func:`scrub_environment`).

A wall-clock limit per submission (``time_limit``): when it passes, the kernel is killed (and any
kernel started to replace it), the cells not yet run score 0, the cells graded so far are kept,
and the result says "grading timed out".

:class:`GradingWorkerPlugin` imports nbgrader, torch and the course's catalogues once per worker
process (a Dask worker plugin), so a submission pays for none of it.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import os
import pathlib
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import warnings
from typing import Any

from coursegrader.coursedir import CONFIG_FILE, load_config

from . import pool
from .bundle import LessonBundle, SubmissionFiles
from .result import GradedSubmission, read_graded

log = logging.getLogger("coursegrader.grading.cluster")

# Folders where database servers put their Unix sockets: hidden from the student's kernel.
SERVER_SOCKET_FOLDERS = ("/var/run/postgresql", "/run/postgresql", "/var/run/mysqld", "/run/mysqld",
                         "/var/run/redis", "/run/redis")
# Environment variables a student's kernel must never see (database addresses, credentials).
_SECRET = re.compile(r"^(PG[A-Z_]*|DATABASE.*|.*DB_URL|.*_DSN|NBGRADER_DB.*|COURSEKIT_DB.*|DASK_.*|"
                     r".*PASSWORD.*|.*PASSWD.*|.*SECRET.*|.*TOKEN.*|.*CREDENTIAL.*|AWS_.*|KUBECONFIG)$",
                     re.IGNORECASE)
_LOCK = threading.Lock()  # one submission at a time per worker process (nbgrader's apps are singletons)
_COURSES: dict[str, pathlib.Path] = {}  # bundle digest -> scratch course
_STATE = {"setup": False}
# a warm spare kernel per worker (:mod:`.pool`); COURSEKIT_KERNEL_POOL=0 turns it off (to measure without it)
POOL_KERNELS = os.environ.get("COURSEKIT_KERNEL_POOL", "1") != "0"


class SandboxRefused(RuntimeError):
    """This worker cannot run the sandbox and the instructor did not opt out."""


def scrub_environment(environ: dict | None = None) -> list[str]:
    """Remove database addresses and credentials from ``environ`` (default: this process's, which
    every kernel it starts inherits); return the names removed."""
    environ = os.environ if environ is None else environ
    removed = sorted(k for k in environ if _SECRET.match(k))
    for key in removed:
        del environ[key]
    return removed


def _scratch_root() -> pathlib.Path:
    root = pathlib.Path(tempfile.gettempdir()) / f"coursekit-worker-{os.getpid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    return root


def preload() -> dict[str, Any]:
    """Import once what grading needs (nbgrader's apps, torch, the course's catalogues, the
    feedback page) and scrub the environment; return facts about this worker."""
    import nbgrader.apps  # noqa: F401 - imported once per worker, not per submission
    import torch  # noqa: F401

    import coursegrader.grading.autograde  # noqa: F401
    from coursegrader.grading.autograde import sandbox
    from coursegrader.grading.registry import all_exercises

    all_exercises()  # every exercise module, through the registry (grading never names one)

    scrub_environment()
    try:  # torch sets TORCHINDUCTOR_CACHE_DIR here the first time its optimizer stack loads (while the first
        # submission is judged): settled now, every kernel this worker starts inherits the same environment
        from torch._inductor.runtime.cache_dir_utils import cache_dir

        cache_dir()
    except (ImportError, OSError):  # only keeps the first spare kernel usable (pool.take compares environments)
        pass
    # nbgrader's own API triggers SQLAlchemy 2's autoflush notes on every submission: not the instructor's business
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    # nbgrader runs `alembic` from PATH when it opens a gradebook: this interpreter's bin first
    bin_folder = os.path.dirname(sys.executable)
    if bin_folder not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_folder + os.pathsep + os.environ.get("PATH", "")
    _STATE["setup"] = True
    return {"pid": os.getpid(), "host": socket.gethostname(), "sandbox": sandbox.unavailable_reason()}


try:  # the plugin is a Dask WorkerPlugin; the task itself needs no Dask
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - dask is a pinned dependency
    WorkerPlugin = object


class GradingWorkerPlugin(WorkerPlugin):
    """Registered by the client on every worker (also on workers that join later): imports what
    grading needs once, limits each kernel's BLAS threads, scrubs the environment."""

    name = "coursekit-grading"

    def __init__(self, threads: int = 1):
        self.threads = threads

    def setup(self, worker=None):
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(self.threads)
        preload()

    def teardown(self, worker=None):
        # also called when the next client registers the plugin again: the scratch courses go,
        # unless a submission is being graded in one (never block the worker's event loop)
        if _LOCK.acquire(blocking=False):
            try:
                pool.close()
                _COURSES.clear()
                shutil.rmtree(_scratch_root(), ignore_errors=True)
            finally:
                _LOCK.release()


class _Messages(logging.Handler):
    """Keeps every message nbgrader logs while grading one submission."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def failure_cause(messages: list[str]) -> str:
    """Why a submission failed, from nbgrader's log: the exception at the end of the last traceback
    it logged (with the kernel's own message), never its pointer to that traceback."""
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


def _run_app(app_class, argv: list[str], hidden: list[str] = (), deadline: float = 0.0,
             preimport: list[str] = ()) -> tuple[bool, list[str]]:
    """Run an nbgrader app in this process, grading with :class:`ClusterExecute` and ``hidden``
    folders masked; (succeeded, its log messages)."""
    app = app_class()
    handler = _Messages()
    try:
        app.initialize(argv)
        app.log.handlers = [handler]
        app.log.setLevel(logging.INFO)
        _use_cluster_execute(app, hidden, deadline, preimport)
        app.start()
        ok = True
    except SystemExit as exc:  # nbgrader's app.fail() exits
        ok = exc.code in (0, None)
    except Exception as exc:  # noqa: BLE001 - reported as the submission's failure
        handler.messages.append(f"{type(exc).__name__}: {exc}")
        ok = False
    finally:
        app_class.clear_instance()
    return ok, handler.messages


def _use_cluster_execute(app, hidden: list[str], deadline: float, preimport: list[str] = ()) -> None:
    """Grade with :class:`ClusterExecute` wherever the course's configuration says SafeExecute,
    with ``hidden`` masked (set as a list here: on a command line traitlets would read it as one
    string, naming no folder)."""
    from coursegrader.grading.autograde import SafeExecute

    from .cluster_execute import ClusterExecute

    pipeline = app.config.Autograde.get("autograde_preprocessors")
    if pipeline:
        app.config.Autograde.autograde_preprocessors = [ClusterExecute if p is SafeExecute else p for p in pipeline]
    app.config.ClusterExecute.hidden_folders = [str(h) for h in hidden]
    app.config.ClusterExecute.deadline = float(deadline)
    app.config.ClusterExecute.preimport = list(preimport)


def _write_files(folder: pathlib.Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise ValueError(f"refusing a file outside its folder: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _db_url(course: pathlib.Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


def scratch_course(bundle: LessonBundle) -> pathlib.Path:
    """This worker's private course for the bundle's lesson (made once): the configuration, the
    source folder, and a scratch gradebook where nbgrader's generate_assignment registered it."""
    if bundle.digest in _COURSES and (_COURSES[bundle.digest] / CONFIG_FILE).is_file():
        return _COURSES[bundle.digest]
    from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp

    course = _scratch_root() / bundle.digest[:16]
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    (course / CONFIG_FILE).write_bytes(bundle.config)
    _write_files(course / "source" / bundle.lesson, bundle.source)
    with _in_folder(course):
        ok, messages = _run_app(GenerateAssignmentApp, [bundle.lesson, "--force", f"--CourseDirectory.root={course}",
                                                        f"--CourseDirectory.db_url={_db_url(course)}"])
    if not ok:
        raise RuntimeError(f"nbgrader generate_assignment {bundle.lesson} failed on worker "
                           f"{socket.gethostname()}: {failure_cause(messages)}")
    _COURSES[bundle.digest] = course
    return course


class _in_folder:
    def __init__(self, folder):
        self.folder = folder

    def __enter__(self):
        self.before = os.getcwd()
        os.chdir(self.folder)

    def __exit__(self, *exc):
        os.chdir(self.before)


class _Deadline:
    """After ``seconds``, kill this process's kernels (bubblewrap and what it runs) once: the cell
    running then stops, and :class:`ClusterExecute` (given :attr:`at`) runs no more cells."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.at = time.monotonic() + seconds if seconds else 0.0
        self.passed = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="coursekit-deadline")

    def __enter__(self):
        if self.seconds:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self):
        if self._done.wait(self.seconds):
            return
        self.passed = True
        import psutil

        for child in psutil.Process().children(recursive=True):
            try:
                if child.name() in ("bwrap", "prlimit") or "ipykernel" in " ".join(child.cmdline()):
                    child.kill()
            except psutil.Error:
                pass


def _forget(course: pathlib.Path, lesson: str, student: str, course_id: str) -> None:
    """Remove the student from the scratch gradebook, so it never grows."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(_db_url(course), course_id) as gb:
        try:
            gb.remove_submission(lesson, student)
        except MissingEntry:
            pass
        try:
            gb.remove_student(student)
        except MissingEntry:
            pass


@functools.cache
def _course_id(course: pathlib.Path) -> str:
    """The scratch course's id (its configuration is written once, with the course)."""
    return load_config(course).CourseDirectory.course_id


def autograde_submission(bundle: LessonBundle, submission: SubmissionFiles, key: str = "", *,
                         sandbox: str = "required", time_limit: float | None = 600, feedback: bool = True,
                         options: tuple[str, ...] = ()) -> GradedSubmission:
    """Grade one submission on this worker (see the module's docstring); ``key`` is handed back
    in the result, ``options`` are more nbgrader options."""
    from coursegrader.grading.autograde import sandbox as bwrap

    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if sandbox != "off":
        reason = bwrap.unavailable_reason()
        if reason is not None:
            raise SandboxRefused(f"worker {worker} refuses to grade: the sandbox cannot run here: {reason}. "
                                 "Install bubblewrap on every worker, or opt out explicitly with --sandbox off "
                                 "(student code then runs with the worker's permissions and network).")
    timings: dict[str, float] = {}
    with _LOCK:
        if not _STATE["setup"]:
            preload()
        scrub_environment()
        began = time.perf_counter()
        course = scratch_course(bundle)
        timings["lesson setup"] = time.perf_counter() - began
        result = _autograde_in(course, bundle, submission, sandbox, time_limit, feedback, options, timings)
    return dataclasses.replace(result, key=key, seconds=time.perf_counter() - start, worker=worker, timings=timings)


def _autograde_in(course: pathlib.Path, bundle: LessonBundle, submission: SubmissionFiles, sandbox: str,
                  time_limit: float | None, feedback: bool, options: tuple[str, ...],
                  timings: dict) -> GradedSubmission:
    """Grade in the scratch course; ``timings`` gets each phase's wall-clock seconds.

    With the sandbox on and a one-notebook lesson, the submission is graded under a *slot* name
    (:mod:`.pool`) so that its kernel may have been launched before it arrived, and the next
    one's is launched while it is graded; the student's name is put back in what is returned."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    lesson, student = bundle.lesson, submission.student
    notebooks = bundle.notebooks
    warm = sandbox != "off" and len(notebooks) == 1 and POOL_KERNELS
    name = pool.next_slot(str(course / "autograded")) if warm else student
    folders = [course / part / name for part in ("submitted", "autograded", "feedback")]
    for folder in folders:
        if not (warm and folder.parent.name == "autograded"):  # a spare kernel may already work there
            shutil.rmtree(folder, ignore_errors=True)
    hidden = [f for f in (*SERVER_SOCKET_FOLDERS, bundle.course_path) if f and os.path.isdir(f)]
    common = [f"--student={name}", f"--CourseDirectory.root={course}",
              f"--CourseDirectory.db_url={_db_url(course)}"]
    # one notebook named: nbgrader then keeps the (empty) folder a spare kernel was launched in
    only = [f"--CourseDirectory.notebook_id={notebooks[0][:-len('.ipynb')]}",
            f"--ClusterExecute.next_slot={pool.new_slot()}"] if warm else []
    preimport = list(bundle.imports) if warm else []
    try:
        _write_files(course / "submitted" / name / lesson, submission.files)
        began = time.perf_counter()
        with _in_folder(course), _Deadline(time_limit) as deadline:
            ok, messages = _run_app(AutogradeApp, [lesson, *common, "--force", f"--SafeExecute.sandbox={sandbox}",
                                                   f"--SafeExecute.course_root={course}", *only, *options], hidden,
                                    deadline.at, preimport)
        timings["nbgrader autograde"] = time.perf_counter() - began
        began = time.perf_counter()
        graded = read_graded(_db_url(course), _course_id(course), lesson, name) if ok else None
        timings["gradebook read"] = time.perf_counter() - began
        if graded is None:
            cause = failure_cause(messages) if messages else "no grades were recorded"
            return GradedSubmission(student, "failed", cause.replace(name, student))
        reasons = [f"grading timed out after {time_limit:g} s: the cells graded before the limit are kept, "
                   "the rest score 0"] if deadline.passed else []
        pages: dict[str, bytes] = {}
        if feedback:
            began = time.perf_counter()
            pages, note = _feedback(course, lesson, name, common)
            reasons += [note.replace(name, student)] if note else []
            timings["nbgrader generate_feedback"] = time.perf_counter() - began
        return dataclasses.replace(graded, student=student, status="timed out" if deadline.passed else "graded",
                                   reason="; ".join(reasons), feedback=pages,
                                   autograded=_read_files(course / "autograded" / name / lesson))
    finally:
        began = time.perf_counter()
        if warm:
            pool.release(name)
        _forget(course, lesson, name, _course_id(course))
        timings["scratch clean-up"] = time.perf_counter() - began
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def _read_files(folder: pathlib.Path) -> dict[str, bytes]:
    """{path relative to ``folder``: bytes} of every file under it."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _feedback(course: pathlib.Path, lesson: str, student: str, common: list[str]) -> tuple[dict[str, bytes], str]:
    """nbgrader generate_feedback for the submission just graded: (its HTML page(s), a note when
    there is none)."""
    from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp

    with _in_folder(course):
        ok, messages = _run_app(GenerateFeedbackApp, [lesson, *common, "--force"])
    folder = course / "feedback" / student / lesson
    if ok and folder.is_dir():
        return _read_files(folder), ""
    return {}, f"no feedback page: {failure_cause(messages)}"
