"""One nbgrader course directory: its configuration, its gradebook, nbgrader's commands run in it,
and students' notebooks made from its source (the helpers tools, bench and tests share).

The course id and the gradebook's address are read from the course's ``nbgrader_config.py``
(nbgrader's own configuration loader), never repeated elsewhere.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import nbformat

from coursegrader.grading.protocol import grade_calls, is_grade_cell, nbgrader_meta
from tools.editions import ROOT, solution_code, source_path

CONFIG_FILE = "nbgrader_config.py"


def tool_env() -> dict:
    """The environment for nbgrader/jupyter subprocesses: this interpreter's bin first on PATH
    (nbgrader runs ``alembic`` from PATH when it opens a gradebook)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


@dataclass(frozen=True)
class Settings:
    """What a course's ``nbgrader_config.py`` says about where grades go."""

    course_id: str
    db_url: str

    def gradebook_url(self, course: pathlib.Path) -> str:
        """``db_url`` with a relative SQLite path made absolute under ``course``."""
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and not os.path.isabs(self.db_url[len(prefix):]):
            return prefix + str(pathlib.Path(course).resolve() / self.db_url[len(prefix):])
        return self.db_url

    def gradebook_path(self, course: pathlib.Path) -> pathlib.Path | None:
        """The SQLite gradebook's file (``None`` for another database)."""
        url = self.gradebook_url(course)
        return pathlib.Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def settings(course: pathlib.Path = ROOT) -> Settings:
    """The course id and gradebook address from ``<course>/nbgrader_config.py``."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()
    return Settings(course_id=config.CourseDirectory.course_id,
                    db_url=config.CourseDirectory.get("db_url", "sqlite:///gradebook.db"))


def gradebook(course: pathlib.Path, db_url: str | None = None):
    """nbgrader's :class:`Gradebook` of the course (a context manager)."""
    from nbgrader.api import Gradebook

    conf = settings(course)
    return Gradebook(db_url or conf.gradebook_url(course), conf.course_id)


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


def source_solutions(lesson: str) -> dict[str, str]:
    """{solution cell id: the source solution's code, markers removed} of a lesson."""
    source = nbformat.read(source_path(lesson), as_version=4)
    return {nbgrader_meta(c)["grade_id"]: solution_code(c) for c in source.cells if nbgrader_meta(c).get("solution")}


def filled_release(lesson: str, release_nb, replace: Mapping[str, str] | None = None,
                   blank: bool = False) -> nbformat.NotebookNode:
    """A copy of the release notebook with every solution cell holding the source's solution (a
    student who did everything right), except the cells in ``replace`` (cell id -> code), or none
    filled at all (``blank``)."""
    nb = nbformat.from_dict(release_nb)
    if blank:
        return nb
    solutions = source_solutions(lesson)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution"):
            cell.source = (replace or {}).get(grade_id) or solutions[grade_id]
    return nb


def first_mistakes(lesson: str) -> dict[str, dict[str, str]]:
    """``{solution cell id: {function name: registry key}}``: the graded functions each solution cell
    defines (those the grade cell after it grades), each to be replaced by the first catalogued mistake
    of its exercise (a later key for the same function name wins: the last stage of a staged
    exercise). What the end-to-end test and the claims' sentinel test plant."""
    source = nbformat.read(source_path(lesson), as_version=4)
    planted, pending = {}, []
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            pending.append(meta["grade_id"])
        elif is_grade_cell(cell) and pending:
            chosen = {}
            for key, fn_name in grade_calls(cell.source):
                chosen[fn_name] = key
            planted[pending[-1]] = chosen
            pending = []
    return planted


def mistake_code(chosen: Mapping[str, str]) -> str:
    """A solution cell's code that defines each function name as its exercise's first catalogued
    mistake (``chosen``: function name -> registry key, see :func:`first_mistakes`)."""
    lines = ["from coursegrader.grading import get_exercise"]
    return "\n".join(lines + [f'{fn_name} = get_exercise("{key}").mistakes[0].fn' for fn_name, key in chosen.items()])


def write_submission(course: pathlib.Path, student: str, lesson: str, nb) -> pathlib.Path:
    """Put a notebook where nbgrader looks for a student's submission."""
    folder = pathlib.Path(course) / "submitted" / student / lesson
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lesson}.ipynb"
    nbformat.write(nb, str(path))
    return path


def clone(fn: Callable) -> Callable:
    """The same function under a new code object: grading it is not 'calling the reference'."""
    code = fn.__code__.replace(co_filename="<clone>")
    copy = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy
