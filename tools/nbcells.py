"""Authoring helpers: nbgrader-ready cells for a lesson's source notebook.

Every exercise is four cells: the task (markdown), the solution cell, the visible check
(read-only) and the hidden grade (autograded, with points)::

    cells += exercise("rosenbrock", task=md_text, solution=code_text)

The check and grade cells, their ids and the points come from the protocol and the registry
(:mod:`coursegrader.grading.protocol`, the exercise's ``Exercise(points=...)``): nothing here states them.
"""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursegrader.grading import get_exercise
from coursegrader.grading.protocol import cell_id, check_cell_source, grade_cell_metadata, grade_cell_source


def _nbgrader(grade_id, *, solution=False, locked=False):
    return {"nbgrader": {"grade_id": grade_id, "solution": solution, "grade": False, "locked": locked,
                         "schema_version": 3}}


def md(text: str, grade_id: str | None = None):
    cell = new_markdown_cell(text.strip("\n"))
    if grade_id:  # a locked markdown cell students cannot edit
        cell.metadata.update(_nbgrader(grade_id, locked=True))
    return cell


def code(src: str, tags=()):
    cell = new_code_cell(src.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def exercise(name: str, task: str, solution: str):
    """The four cells of a graded exercise: one function, graded under its own name.

    ``solution`` is the full function; the lines between ``### BEGIN SOLUTION`` and
    ``### END SOLUTION`` are what nbgrader replaces by the stub in the student edition.
    """
    return exercise_group(name, {name: name}, task, solution)


def exercise_group(grade_id: str, graded: dict, task: str, solution: str, comment: str | None = None):
    """The four cells of an exercise whose grade cell covers several registry entries.

    ``graded`` maps registry keys to the function (variable) each grades, e.g.
    ``{"sigmoid": "sigmoid", "sigmoid_grad": "sigmoid_grad"}`` or
    ``{"sgd_momentum_step[nesterov]": "sgd_momentum_step"}``; the grade cell returns the sum of
    the points earned (the sum of the entries' points in the registry). Cell ids are
    ``<grade_id>_solution``, ``_check`` and ``_grade``; ``comment`` words the grade cell's first
    line (it must contain "(N points)", set from the registry).
    """
    if "### BEGIN SOLUTION" not in solution:
        raise ValueError(f"{grade_id}: the solution must mark its answer with ### BEGIN/END SOLUTION")
    points = sum(get_exercise(key).points for key in graded)
    points = int(points) if float(points).is_integer() else points
    sol = new_code_cell(solution.strip("\n"))
    sol.metadata.update(_nbgrader(cell_id(grade_id, "solution"), solution=True))
    sol.metadata["tags"] = ["solution"]
    check = new_code_cell(check_cell_source(graded))
    check.metadata.update(_nbgrader(cell_id(grade_id, "check"), locked=True))
    hidden = new_code_cell(grade_cell_source(graded, points, comment))
    hidden.metadata["nbgrader"] = grade_cell_metadata(grade_id, points)
    return [md(task), sol, check, hidden]


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write(nb, path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
