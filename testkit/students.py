"""Made-up students: what they hand in, and a class of them.

- :func:`filled_release`: the release notebook with the source's solutions filled in (a student who
  did everything right), some answers replaced, or none at all;
- :func:`first_mistakes`, :func:`mistake_code`: each graded function of a lesson replaced by its
  exercise's first catalogued mistake (what the end-to-end test and the claims' sentinel test plant);
- :func:`write_submission`: a notebook put where nbgrader looks for a student's submission;
- :func:`clone`: a function under a new code object (graded, it is a student's, not the reference);
- :func:`make_class`: a course of ``n`` submissions of a lesson (full solutions, planted catalogued
  mistakes, blank notebooks), the class the benchmarks time and the recorded reference results hold.
"""
from __future__ import annotations

import pathlib
import shutil
import types
from collections.abc import Callable, Mapping

import nbformat

from coursegrader.coursedir import CONFIG_FILE, run_nbgrader
from coursegrader.grading.protocol import cell_id, grade_calls, is_grade_cell, nbgrader_meta, split_cell_id
from tools.editions import ROOT, solution_code, source_path


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
    from coursegrader.grading import get_exercise

    return "\n".join(planted_function(fn_name, get_exercise(key).mistakes[0].fn) for fn_name, key in chosen.items())


def planted_function(name: str, fn: Callable) -> str:
    """A line of a submission binding ``name`` to ``fn``, an instructor function (a catalogued mistake),
    pickled by value: the grading kernel cannot import the instructor package (issue 29), and the
    function is the student's own code there, as a student who wrote it would hand it in."""
    import base64

    import cloudpickle

    from coursegrader.grading.handoff import by_value

    with by_value():
        blob = base64.b64encode(cloudpickle.dumps(fn)).decode("ascii")
    return f'import base64, pickle\n{name} = pickle.loads(base64.b64decode("{blob}"))'


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


def make_class(course: pathlib.Path, lesson: str, n: int) -> None:
    """A course with ``n`` submissions: 2 of 4 full solutions, 1 with a planted mistake, 1 blank."""
    from coursegrader.grading import get_exercise

    course.mkdir(parents=True)
    shutil.copytree(ROOT / "source" / lesson, course / "source" / lesson)
    shutil.copy(ROOT / CONFIG_FILE, course)
    run_nbgrader(course, "generate_assignment", lesson, "--force", log_level="ERROR", quiet=True)
    release = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    planted = {}  # solution cell -> the exercise's first catalogued mistake, pickled by value
    for cell in release.cells:
        ids = split_cell_id(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
        if ids and ids[1] == "solution":
            try:
                planted[cell_id(ids[0], "solution")] = planted_function(ids[0], get_exercise(ids[0]).mistakes[0].fn)
            except (KeyError, IndexError):
                pass
    for i in range(n):
        kind = ("solution", "solution", "mistake", "blank")[i % 4]
        nb = filled_release(lesson, release, replace=planted if kind == "mistake" and i % 3 == 0 else None,
                            blank=kind == "blank")
        write_submission(course, f"student{i:03d}", lesson, nb)
