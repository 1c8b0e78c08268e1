"""Which cells autograding runs (coursegrader.grading.cellflow): every cell a student added, edited or
moved, and of the lesson's own cells those a grade depends on by name; on tiny notebooks and on every
lesson's source notebook. Pure functions, no kernel. (That skipping never changes a grade, on real
submissions graded by nbgrader both ways: tests/coursegrader/test_skip_differential.py.)"""
from __future__ import annotations

import ast
import copy

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursegrader.grading.cellflow import cell_names, lesson_cells, needed_cells
from testkit.students import filled_release
from tools.editions import lessons, source_path

from conftest import ROOT


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
    assert n.calls == {"f": {"scale", "offset"}, "C": {"K"}}  # what calling each one reads (LR: at the def)
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
    assert needed_cells(cells, cells) == {0, 2, 3, 4}


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
    assert needed_cells(cells, cells) == {0, 1, 2, 3, 4}


def test_cells_that_cannot_be_analysed_and_nbgrader_cells_always_run():
    locked = new_code_cell("show()")
    locked.metadata["nbgrader"] = {"grade_id": "l", "solution": False, "grade": False, "locked": True}
    cells = [new_code_cell("import os"), new_code_cell("%%time\nslow()"), new_code_cell("def broken(:"),
             locked, new_code_cell("   "), new_markdown_cell("x = 1")]
    assert needed_cells(cells, cells) == {0, 1, 2, 3}
    assert needed_cells([new_markdown_cell("only text")], []) == set()


@pytest.mark.parametrize("lesson", lessons())
def test_every_lesson_skips_its_experiments_and_keeps_everything_graded(lesson):
    """On the instructor's notebook: every nbgrader cell and the setup cell run; nothing a run cell
    reads is bound only by a skipped cell; and the experiments (most code cells) are skipped."""
    nb = nbformat.read(source_path(lesson), as_version=4)
    needed = needed_cells(nb.cells, nb.cells)
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


@pytest.mark.parametrize("lesson", lessons())
def test_a_student_who_left_the_demonstrations_alone_skips_what_the_lesson_skips(lesson):
    """The release as handed out, its solutions filled in, against the source notebook: the same
    demonstration cells are skipped as in the lesson itself (same sources, same order)."""
    source = nbformat.read(source_path(lesson), as_version=4)
    release = nbformat.read(ROOT / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    submission = filled_release(lesson, release)

    def skipped(cells, needed):
        return [cells[i].source for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip()
                and i not in needed]

    expected = skipped(source.cells, needed_cells(source.cells, source.cells))
    assert expected and skipped(submission.cells, needed_cells(submission.cells, source.cells)) == expected


GLOBAL_SETTINGS = {  # calls that change how later code computes, through a module's state (no name shows it)
    "set_default_dtype", "set_default_tensor_type", "set_default_device", "use_deterministic_algorithms",
    "set_flush_denormal", "seterr", "seterrcall", "set_printoptions", "filterwarnings", "simplefilter",
    "resetwarnings", "seed", "manual_seed", "set_rng_state", "set_grad_enabled", "setattr", "rc", "rc_file",
}
# torch.set_num_threads(1) (lessons 07, 09 and 10 call it in a skipped demonstration) is not among them:
# on grading workers the kernel already has one thread (OMP_NUM_THREADS=1, coursegrader.grading.cluster),
# and elsewhere it only changes how torch splits an operation on more than 32768 elements (its parallel
# grain). Moving it into those lessons' setup cells would settle even that.


def _dotted(node) -> str:
    """``a.b.c`` for a name or a chain of attributes of a name, else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and _dotted(node.value):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _top_level_calls(source: str) -> list[str]:
    """The functions a cell calls while it runs (not inside the functions it defines), by last name,
    and its assignments to ``rcParams``."""
    found = []
    tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()))
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call) and _dotted(node.func):  # torch.manual_seed(0), not Generator().manual_seed(0)
            found.append(_dotted(node.func).rsplit(".", 1)[-1])
        if isinstance(node, (ast.Subscript, ast.Attribute)) and "rcParams" in ast.unparse(node):
            found.append("rcParams")
        todo.extend(ast.iter_child_nodes(node))
    return found


@pytest.mark.parametrize("lesson", lessons())
def test_no_skipped_demonstration_changes_a_global_setting_before_a_graded_cell(lesson):
    """What a skipped cell of the lesson changes through a module (the default dtype, numpy's error
    handling, warnings filters, a global random seed) no name analysis sees: such a setting belongs in
    the setup cell, which always runs (docs/AUTHORING.md). Cells after the last graded one may do anything."""
    nb = nbformat.read(source_path(lesson), as_version=4)
    needed = needed_cells(nb.cells, nb.cells)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip() and i not in needed and i < max(needed):
            calls = {name for name in _top_level_calls(cell.source) if name in GLOBAL_SETTINGS | {"rcParams"}}
            assert not calls, f"{lesson}: skipped cell {i} changes {calls} before a graded cell"
    probe = ("torch.set_default_dtype(torch.float64)\ndef f():\n    np.seterr(all='raise')\n"
             "g = torch.Generator().manual_seed(1)")
    assert set(_top_level_calls(probe)) & GLOBAL_SETTINGS == {"set_default_dtype"}


def _lesson():
    """A lesson: setup, two demonstrations, an exercise, a demonstration after it."""
    return [new_code_cell("%matplotlib inline\nimport numpy as np"),                 # 0 setup
            new_markdown_cell("An experiment."),                                     # 1
            new_code_cell("xs = np.linspace(0, 1, 5)\nplot(xs)"),                    # 2 demonstration
            new_code_cell("print(np.pi)"),                                           # 3 demonstration
            _solution("def f(x):\n    raise NotImplementedError()"),            # 4
            _grade("grade('f', f)"),                                               # 5
            new_code_cell("plot(f(xs))")]                                            # 6 demonstration


def test_every_cell_a_student_added_edited_or_moved_runs():
    """Whatever it does: the name analysis sees nothing in ``torch.set_default_dtype`` or a star import,
    and does not need to. The lesson's cells left alone are still skipped."""
    lesson = _lesson()
    assert needed_cells(lesson, lesson) == {0, 4, 5}
    added = copy.deepcopy(lesson)
    added.insert(1, new_code_cell("torch.set_default_dtype(torch.float64)"))
    added.insert(2, new_code_cell("from math import *"))
    assert needed_cells(added, lesson) == {0, 1, 2, 6, 7}  # the demonstrations 4 and 5 (lesson's 2, 3) skipped
    edited = copy.deepcopy(lesson)
    edited[3].source = "np.seterr(all='raise')\nprint(np.pi)"
    assert needed_cells(edited, lesson) == {0, 3, 4, 5}
    moved = copy.deepcopy(lesson)
    moved.insert(5, moved.pop(3))  # the demonstration moved between the solution and its grade cell
    assert lesson_cells(moved, lesson) == {0: 0, 2: 2, 6: 6}
    assert needed_cells(moved, lesson) == {0, 3, 4, 5}
    duplicated = copy.deepcopy(lesson)
    duplicated.insert(4, copy.deepcopy(duplicated[3]))
    assert len(lesson_cells(duplicated, lesson)) == 4  # setup and the three demonstrations; the copy is the student's
    assert needed_cells(duplicated, lesson) == {0, 4, 5, 6}
    deleted = copy.deepcopy(lesson)
    del deleted[2]
    assert needed_cells(deleted, lesson) == {0, 3, 4}


def test_a_cell_is_matched_by_its_source_only():
    """A cell edited and put back is unchanged; its id and metadata (which a student's tools rewrite)
    are not looked at; a change of a single character is an edit."""
    lesson = _lesson()
    reverted = copy.deepcopy(lesson)
    reverted[3].id, reverted[3].metadata = "a-new-id", {"collapsed": True, "tags": ["mine"]}
    assert needed_cells(reverted, lesson) == {0, 4, 5}
    touched = copy.deepcopy(lesson)
    touched[3].source += " "
    assert needed_cells(touched, lesson) == {0, 3, 4, 5}
    assert needed_cells(lesson, None) == {0, 2, 3, 4, 5, 6}  # no lesson to compare with: every cell runs


def test_a_lesson_cell_runs_when_a_function_a_grade_calls_reads_what_it_rebinds():
    """The student's ``f`` calls ``helper``, whose global ``g`` a later demonstration rebinds before the
    grade cell calls ``f``: with every cell run ``f`` sees the demonstration's ``g``, so it runs."""
    lesson = [new_code_cell("import numpy as np"),
              _solution("def f(x):\n    raise NotImplementedError()"),
              new_code_cell("def g(t):\n    return np.sin(t)\nplot(g)"),         # 2 rebinds g
              new_code_cell("plot(np.cos)"),                                    # 3
              _grade("grade('f', f)")]
    submission = copy.deepcopy(lesson)
    submission[1].source = ("def g(x):\n    return 2 * x\n\ndef helper(x):\n    return g(x)\n\n"
                            "def f(x):\n    return helper(x) + 1")
    assert needed_cells(lesson, lesson) == {0, 1, 4}
    assert needed_cells(submission, lesson) == {0, 1, 2, 4}
    changes_in_place = copy.deepcopy(lesson)  # the student's function reads a list a demonstration appends to
    changes_in_place[1].source = "seen = []\n\ndef f(x):\n    return len(seen) + x"
    changes_in_place[3].source = "seen.append(1)"
    changes_in_place.insert(4, copy.deepcopy(lesson[3]))  # the same demonstration, unchanged
    assert needed_cells(changes_in_place, lesson) == {0, 1, 3, 5}
    assert needed_cells(changes_in_place[:3] + [lesson[3]] + changes_in_place[5:], lesson) == {0, 1, 4}


def test_what_no_analysis_sees_runs_with_everything_before_it():
    """``exec``/``globals()``/``get_ipython()`` (also inside a function a cell calls) and line magics such
    as ``%run`` may read any name: every cell before them runs. A star import may bind any name: a
    lesson's cell that has one runs."""
    lesson = _lesson()
    for code in ("exec(open('mine.py').read())", "%run mine.py", "def h():\n    return globals()['xs']"):
        student = copy.deepcopy(lesson)
        student[4].source = code + "\n\ndef f(x):\n    return h() if 'h' in dir() else x"
        assert needed_cells(student, lesson) == {0, 2, 3, 4, 5}, code
    starred = _lesson()
    starred[3].source = "from math import *"
    assert needed_cells(starred, starred) == {0, 3, 4, 5}
    timed = _lesson()
    timed[2].source = timed[6].source = "%%time\nplot(f(xs))"  # a lesson's cell magic
    assert needed_cells(timed, timed) == {0, 2, 4, 5}  # the one after the last graded cell: skipped
    assert cell_names("%run helpers.py").reads_unseen and not cell_names("%matplotlib inline").reads_unseen


def test_a_notebook_without_code_needs_nothing():
    assert needed_cells(new_notebook().cells, []) == set()
