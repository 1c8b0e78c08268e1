"""Authoring helpers: nbgrader-ready cells for a lesson's source notebook.

Every exercise is four cells: the task (markdown), the solution cell, the visible check
(read-only) and the hidden grade (autograded, with points)::

    cells += exercise("rosenbrock", points=2, task=md_text, solution=code_text)
"""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _nbgrader(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


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


def exercise(name: str, points: float, task: str, solution: str):
    """The four cells of a graded exercise: one function, graded under its own name.

    ``solution`` is the full function; the lines between ``### BEGIN SOLUTION`` and
    ``### END SOLUTION`` are what nbgrader replaces by the stub in the student edition.
    """
    return exercise_group(name, {name: name}, points, task, solution)


def exercise_group(grade_id: str, graded: dict, points: float, task: str, solution: str):
    """The four cells of an exercise whose grade cell covers several registry entries.

    ``graded`` maps registry keys to the function (variable) each grades, e.g.
    ``{"sigmoid": "sigmoid", "sigmoid_grad": "sigmoid_grad"}`` or
    ``{"sgd_momentum_step[nesterov]": "sgd_momentum_step"}``; the grade cell returns the sum of
    the points earned. Cell ids are ``<grade_id>_solution``, ``_check`` and ``_grade``.
    """
    if "### BEGIN SOLUTION" not in solution:
        raise ValueError(f"{grade_id}: the solution must mark its answer with ### BEGIN/END SOLUTION")
    sol = new_code_cell(solution.strip("\n"))
    sol.metadata.update(_nbgrader(f"{grade_id}_solution", solution=True))
    sol.metadata["tags"] = ["solution"]
    check = new_code_cell("\n".join(f'check("{key}", {fn})' for key, fn in graded.items()))
    check.metadata.update(_nbgrader(f"{grade_id}_check", locked=True))
    names = ", ".join(f"`{fn}`" for fn in dict.fromkeys(graded.values()))
    calls = " + ".join(f'grade("{key}", {fn})' for key, fn in graded.items())
    hidden = new_code_cell(
        f"# Hidden tests of {names} ({points:g} points) run here when your notebook is graded.\n"
        f"### BEGIN HIDDEN TESTS\n"
        f"{calls}\n"
        f"### END HIDDEN TESTS")
    hidden.metadata.update(_nbgrader(f"{grade_id}_grade", grade=True, locked=True, points=points))
    return [md(task), sol, check, hidden]


def notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write(nb, path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
