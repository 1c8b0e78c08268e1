"""Points live only in the registry: every source notebook's grade cells (source and nbgrader
metadata) are what the registry generates (tools.sync_grade_cells), checked without executing
anything. If this fails, run `python -m tools.sync_grade_cells` and rebuild the editions."""
from __future__ import annotations

import nbformat
import pytest

from coursegrader.grading import all_exercises, get_exercise
from coursegrader.grading.protocol import grade_calls, is_grade_cell, nbgrader_meta, split_cell_id
from tools.editions import lessons, source_path
from tools.sync_grade_cells import differences, sync

from helpers import graded_cells, lesson_points

LESSONS = lessons()


@pytest.mark.parametrize("lesson", LESSONS)
def test_grade_cells_are_generated_from_the_registry(lesson):
    nb = nbformat.read(source_path(lesson), as_version=4)
    assert differences(nb) == []
    assert graded_cells(nb) == lesson_points(lesson)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_of_the_lesson_is_graded_once(lesson):
    nb = nbformat.read(source_path(lesson), as_version=4)
    graded = [key for cell in nb.cells if is_grade_cell(cell) for key, _ in grade_calls(cell.source)]
    registered = sorted(ex.name for ex in all_exercises() if ex.lesson == lesson)
    assert sorted(graded) == registered


@pytest.mark.parametrize("lesson", LESSONS)
def test_cell_ids_follow_the_protocol(lesson):
    nb = nbformat.read(source_path(lesson), as_version=4)
    for cell in nb.cells:
        if is_grade_cell(cell):
            assert split_cell_id(nbgrader_meta(cell)["grade_id"])[1] == "grade"


def test_sync_rewrites_a_stale_grade_cell_and_is_idempotent():
    nb = nbformat.read(source_path(LESSONS[0]), as_version=4)
    cell = next(c for c in nb.cells if is_grade_cell(c))
    points = cell.metadata["nbgrader"]["points"]
    cell.metadata["nbgrader"]["points"] = points + 5
    cell.source = cell.source.replace(f"({points} points)", f"({points + 5} points)")
    assert len(differences(nb)) == 2
    assert sync(nb) == [nbgrader_meta(cell)["grade_id"]]
    assert cell.metadata["nbgrader"]["points"] == points and f"({points} points)" in cell.source
    assert sync(nb) == [] and differences(nb) == []


def test_sync_keeps_the_exercise_statement_in_step_with_the_points():
    """Before, a points change left the statement saying the old points ("Exercise 1 (2 points)")."""
    nb = nbformat.read(source_path(LESSONS[0]), as_version=4)
    cell = next(c for c in nb.cells if is_grade_cell(c))
    points = cell.metadata["nbgrader"]["points"]
    statement = next(c for c in reversed(nb.cells[:nb.cells.index(cell)]) if "points)" in c.source)
    assert f"({points} points)" in statement.source
    statement.source = statement.source.replace(f"({points} points)", f"({points + 1} points)")
    assert differences(nb) == [f"{nbgrader_meta(cell)['grade_id']}: its exercise's statement says {points + 1} "
                               f"points, the registry {points}"]
    assert sync(nb) == [nbgrader_meta(cell)["grade_id"]] and f"({points} points)" in statement.source
    assert sync(nb) == [] and differences(nb) == []


def test_the_authoring_helper_builds_grade_cells_from_the_registry():
    from tools.nbcells import exercise, exercise_group, notebook

    solution = "def sigmoid(z):\n    ### BEGIN SOLUTION\n    return z\n    ### END SOLUTION"
    cells = exercise("rosenbrock", "Write it.", solution.replace("sigmoid(z)", "rosenbrock(x)"))
    cells += exercise_group("sigmoid", {"sigmoid": "sigmoid", "sigmoid_grad": "sigmoid_grad"}, "Both.", solution)
    nb = notebook(cells)
    assert differences(nb) == []
    points = {key: get_exercise(key).points for key in ("rosenbrock", "sigmoid", "sigmoid_grad")}
    assert graded_cells(nb) == {"rosenbrock_grade": points["rosenbrock"],
                                "sigmoid_grade": points["sigmoid"] + points["sigmoid_grad"]}
    assert [nbgrader_meta(c).get("grade_id") for c in cells] == [
        None, "rosenbrock_solution", "rosenbrock_check", "rosenbrock_grade",
        None, "sigmoid_solution", "sigmoid_check", "sigmoid_grade"]
