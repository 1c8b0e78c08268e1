"""Which cells autograding runs (coursegrader.grading.cellflow): the cells a grade depends on, by name,
on tiny notebooks and on every lesson's source notebook. Pure functions, no kernel."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursegrader.grading.cellflow import cell_names, needed_cells
from tools.editions import lessons, source_path


def _solution(src):
    cell = new_code_cell(src)
    cell.metadata["nbgrader"] = {"grade_id": "s", "solution": True, "grade": False, "locked": False}
    return cell


def _grade(src):
    cell = new_code_cell(src)
    cell.metadata["nbgrader"] = {"grade_id": "g", "solution": False, "grade": True, "locked": True, "points": 1}
    return cell


def test_names_read_and_bound_follow_python_scopes():
    n = cell_names("import numpy as np\n"
                   "def f(x, lr=LR):\n    y = x * scale\n    return [z + offset for z in y]\n"
                   "data = np.ones(3)\nclass C:\n    k = K\n")
    assert n.binds == {"np", "f", "data", "C"}
    assert {"LR", "scale", "offset", "K", "np"} <= n.reads
    assert not {"x", "y", "z", "lr"} & n.reads  # parameters and locals are not globals
    assert n.data == {"data"}  # assigned: an object that can change; defs and imports cannot
    magic = cell_names("%matplotlib inline\n!echo hi\nimport torch")
    assert magic.binds == {"torch"}
    assert cell_names("%%time\nx = 1") is None  # a cell magic: not analysed, always run
    assert cell_names("def f(:\n") is None  # does not parse: always run (its error is the student's)


def test_experiments_are_skipped_and_what_a_grade_reads_is_kept():
    cells = [
        new_code_cell("import numpy as np\nfrom coursegrader.grading import grade"),   # 0 setup
        new_markdown_cell("text"),                                                # 1
        new_code_cell("def helper(v):\n    return 2 * v"),                          # 2 read by the solution
        _solution("def f(x):\n    return helper(x) + np.sum(x)"),                   # 3
        _grade("grade('f', f)"),                                                  # 4
        new_code_cell("fig = plot(f(np.ones(3)))\nclaim(f(1) > 0)"),             # 5 experiment
        new_code_cell("print('hello')"),                                          # 6 experiment
    ]
    assert needed_cells(cells) == {0, 2, 3, 4}


def test_a_global_an_experiment_binds_is_kept_when_a_student_function_reads_it():
    """A student whose function reads ``scale`` from an experiment cell: the cell runs, so grading
    sees the notebook the student saw (and so does the cell that changes ``scale`` in place first)."""
    cells = [
        new_code_cell("import numpy as np"),
        new_code_cell("scale = np.ones(3)\nrunaway = 5"),            # 1 binds scale
        new_code_cell("scale[0] = 10\nplot(runaway)"),               # 2 changes scale in place
        _solution("def f(x):\n    return x * scale"),              # 3
        _grade("grade('f', f)"),                                   # 4
        new_code_cell("scale[1] = 0"),                               # 5 after the last reader: skipped
        new_code_cell("out = f(2)\nprint(runaway)"),                 # 6 experiment
    ]
    assert needed_cells(cells) == {0, 1, 2, 3, 4}


def test_cells_that_cannot_be_analysed_and_nbgrader_cells_always_run():
    locked = new_code_cell("show()")
    locked.metadata["nbgrader"] = {"grade_id": "l", "solution": False, "grade": False, "locked": True}
    cells = [new_code_cell("import os"), new_code_cell("%%time\nslow()"), new_code_cell("def broken(:"),
             locked, new_code_cell("   "), new_markdown_cell("x = 1")]
    assert needed_cells(cells) == {0, 1, 2, 3}
    assert needed_cells([new_markdown_cell("only text")]) == set()


@pytest.mark.parametrize("lesson", lessons())
def test_every_lesson_skips_its_experiments_and_keeps_everything_graded(lesson):
    """On the instructor's notebook: every nbgrader cell and the setup cell run; nothing a run cell
    reads is bound only by a skipped cell; and the experiments (most code cells) are skipped."""
    nb = nbformat.read(source_path(lesson), as_version=4)
    needed = needed_cells(nb.cells)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    graded = {i for i in code if nb.cells[i].metadata.get("nbgrader")}
    assert graded | {code[0]} <= needed
    skipped = [i for i in code if i not in needed]
    assert len(skipped) >= 5, f"{lesson}: only {len(skipped)} experiment cells skipped"
    for i in sorted(needed):
        reads = cell_names(nb.cells[i].source).reads
        bound_before_by_run = set().union(*(cell_names(nb.cells[j].source).binds for j in needed if j < i))
        only_skipped = {name for name in reads - bound_before_by_run
                        for j in skipped if j < i and name in cell_names(nb.cells[j].source).binds}
        assert not only_skipped, f"{lesson} cell {i} reads {only_skipped}, bound only by skipped cells"


def test_a_notebook_without_code_needs_nothing():
    assert needed_cells(new_notebook().cells) == set()
