"""One nbgrader course directory: its configuration, its gradebook, its students' submissions, and
nbgrader's commands run in it (what the grading client, the reports, tools, bench and tests share).

The course id and the gradebook's address are read from the course's ``nbgrader_config.py``
(nbgrader's own configuration loader), never repeated elsewhere.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from dataclasses import dataclass

CONFIG_FILE = "nbgrader_config.py"
_SQLITE = "sqlite:///"


@dataclass(frozen=True)
class Settings:
    """What a course's ``nbgrader_config.py`` says about where grades go: ``db_url`` with a relative
    SQLite path made absolute under the course."""

    course_id: str
    db_url: str

    @property
    def sqlite_path(self) -> pathlib.Path | None:
        """The SQLite gradebook's file (``None`` for another database)."""
        return pathlib.Path(self.db_url[len(_SQLITE):]) if self.db_url.startswith(_SQLITE) else None


def load_config(course: pathlib.Path):
    """The course's configuration, ``<course>/nbgrader_config.py``, read by nbgrader's own loader."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()


def settings(course: pathlib.Path) -> Settings:
    """The course id and gradebook address from ``<course>/nbgrader_config.py``."""
    config = load_config(course)
    db_url = config.CourseDirectory.get("db_url", "sqlite:///gradebook.db")
    if db_url.startswith(_SQLITE) and not os.path.isabs(db_url[len(_SQLITE):]):
        db_url = _SQLITE + str(pathlib.Path(course).resolve() / db_url[len(_SQLITE):])
    return Settings(course_id=config.CourseDirectory.course_id, db_url=db_url)


def gradebook(course: pathlib.Path, db_url: str | None = None):
    """nbgrader's :class:`Gradebook` of the course (a context manager); ``db_url``: another one."""
    from nbgrader.api import Gradebook

    conf = settings(course)
    return Gradebook(db_url or conf.db_url, conf.course_id)


def tool_env() -> dict:
    """The environment for nbgrader/jupyter subprocesses: this interpreter's bin first on PATH
    (nbgrader runs ``alembic`` from PATH when it opens a gradebook)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds its output."""


def run_nbgrader(course: pathlib.Path, *args: str, log_level: str = "WARN", check: bool = True,
                 quiet: bool = False) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course directory with this interpreter; raise
    :class:`NbgraderError` with its output when it fails (``check``)."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--log-level={log_level}"], cwd=course,
                          env=tool_env(), capture_output=True, text=True)
    if not quiet and (proc.stdout or proc.stderr) and proc.returncode == 0:
        sys.stderr.write(proc.stdout + proc.stderr)
    if check and proc.returncode != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n"
                            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def unknown_lesson(course: pathlib.Path, lesson: str) -> str | None:
    """Why ``lesson`` is not a lesson of the course (naming those it has), or None when it is one:
    a typo in ``make grade LESSON=...`` must stop with the lessons to choose from, not grade nothing."""
    source = pathlib.Path(course) / "source"
    known = sorted(p.name for p in source.glob("*") if (p / f"{p.name}.ipynb").exists()) if source.is_dir() else []
    if lesson in known:
        return None
    return (f"no lesson {lesson!r} in {source}: the lessons are {', '.join(known)}" if known
            else f"no lesson {lesson!r}: {source} holds no lesson (source/<lesson>/<lesson>.ipynb)")


def submitted_students(course: pathlib.Path, lesson: str) -> list[str]:
    """The students with a ``submitted/<student>/<lesson>/`` folder, sorted."""
    folder = pathlib.Path(course) / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{lesson}") if p.is_dir()) if folder.is_dir() else []
