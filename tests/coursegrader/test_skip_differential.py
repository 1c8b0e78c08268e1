"""Skipping cells never changes a grade (spec section 4): lesson-01 submissions written in students'
styles, each graded by nbgrader's own ``autograde`` as configured (the lesson's unchanged cells no
grade depends on skipped) and with every cell run (``--SafeExecute.skip_unneeded_cells=False``):
every grade cell's score must be the same both ways.

Every style starts from the full solutions and writes one exercise (or a few) the way students do:
in a cell of their own, through a helper, an import, a star import, ``exec``, ``%run``, a cell magic,
a global setting in a cell of its own, a constant added to a demonstration, and so on. The class is
written once into two copies of the generated course, one per configuration, graded side by side
(one ``nbgrader autograde`` call each). On the code before cells were matched against the lesson
(only the name analysis decided), ``star_import``, ``default_dtype``, ``exec``, ``percent_run``,
``edited_demo_sets_dtype`` and ``helper_name_reused`` got different scores.
"""
from __future__ import annotations

import shutil
import textwrap
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursegrader.grading.autograde.execute import SKIPPED_NOTE
from coursegrader.grading.cellflow import code_cells, needed_cells
from coursegrader.grading.protocol import nbgrader_meta
from tools.editions import source_path

from conftest import nbgrader
from gradingkit import LESSON, POINTS, Submission, code_cell, make_course, scores

FULL = sum(POINTS.values())  # 17


def _code_of(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _demo(s: Submission, first_line: str) -> int:
    """The index of the lesson's demonstration cell that starts with ``first_line``."""
    return next(i for i, c in enumerate(s.nb.cells)
                if c.cell_type == "code" and not nbgrader_meta(c) and c.source.startswith(first_line))


def _stub(s: Submission, name: str, signature: str) -> Submission:
    """The exercise's solution cell left as handed out (the def with its stub body)."""
    return s.solve(name, f"{signature}\n    # YOUR CODE HERE\n    raise NotImplementedError()")


def _after(s: Submission, grade_id: str, cell) -> Submission:
    s.nb.cells.insert(s.index(grade_id) + 1, cell)
    return s


ROSENBROCK = "float((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2)"


def reference(s):  # the source solutions, every demonstration untouched
    return s


def function_in_added_cell(s):  # the solution cell left as a stub, the function written in a new cell
    return _after(_stub(s, "rosenbrock", "def rosenbrock(x, a=1.0, b=1.0):"), "rosenbrock_solution",
                  code_cell(f"def rosenbrock(x, a=1.0, b=1.0):\n    return {ROSENBROCK}"))


NUDGED = _code_of("""
    def nudged(x, i, eps):
        step = np.zeros_like(x)
        step.flat[i] = eps
        return x + step""")


def _nudged_differences(s: Submission) -> Submission:
    """Both difference quotients written with the helper ``nudged``."""
    s.solve("forward_difference", _code_of("""
        def forward_difference(f, x, eps=1e-6):
            x = np.asarray(x, dtype=np.float64)
            fx = f(x)
            return np.array([(f(nudged(x, i, eps)) - fx) / eps for i in range(x.size)]).reshape(x.shape)"""))
    return s.solve("central_difference", _code_of("""
        def central_difference(f, x, eps=1e-5):
            x = np.asarray(x, dtype=np.float64)
            return np.array([(f(nudged(x, i, eps)) - f(nudged(x, i, -eps))) / (2 * eps)
                             for i in range(x.size)]).reshape(x.shape)"""))


def helper_in_added_cell(s):  # a helper both difference quotients use, in a cell of its own
    return _nudged_differences(s.insert_before("forward_difference_solution", code_cell(NUDGED)))


def import_in_added_cell(s):
    s.insert_before("gradient_check_solution", code_cell("from numpy.linalg import norm"))
    return s.solve("gradient_check", _code_of("""
        def gradient_check(f, grad_f, x, eps=1e-5):
            g_a, g_n = np.asarray(grad_f(x), dtype=np.float64), central_difference(f, x, eps)
            return float(norm(g_a - g_n) / max(norm(g_a) + norm(g_n), 1e-12))"""))


def constant_appended_to_demo(s):  # the step kept beside the lesson's claim about the gradient
    i = _demo(s, "g_min = ")
    s.nb.cells[i].source += "\nCENTRAL_EPS = 1e-5"
    return s.solve("central_difference", _code_of("""
        def central_difference(f, x, eps=CENTRAL_EPS):
            x = np.asarray(x, dtype=np.float64)
            grad = np.zeros_like(x)
            for i in range(x.size):
                step = np.zeros_like(x)
                step.flat[i] = eps
                grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
            return grad"""))


def dict_filled_in_place(s):  # settings made in one cell of the student's, filled in another
    s.insert_before("rosenbrock_solution", code_cell("settings = {}"))
    s.insert_before("torch_grad_solution", code_cell('settings["dtype"] = torch.float64'))
    return s.solve("torch_grad", _code_of("""
        def torch_grad(f, x):
            xt = torch.tensor(x, dtype=settings["dtype"], requires_grad=True)
            f(xt).backward()
            return xt.grad.detach().numpy().copy()"""))


def lambda_function(s):
    return s.solve("rosenbrock", f"rosenbrock = lambda x, a=1.0, b=1.0: {ROSENBROCK}")


def star_import(s):  # the first student: fsum from a star import in a cell of its own
    s.insert_before("rosenbrock_solution", code_cell("from math import *"))
    return s.solve("rosenbrock", _code_of("""
        def rosenbrock(x, a=1.0, b=1.0):
            return fsum([(a - x[0]) ** 2, b * (x[1] - x[0] ** 2) ** 2])"""))


TORCH_GRAD_BY_DEFAULT_DTYPE = _code_of("""
    def torch_grad(f, x):
        xt = torch.tensor(np.asarray(x).tolist(), requires_grad=True)   # the default dtype
        f(xt).backward()
        return xt.grad.detach().numpy().copy()""")


def default_dtype(s):  # the second student: torch_grad relies on a global setting
    s.insert_before("rosenbrock_solution", code_cell("torch.set_default_dtype(torch.float64)"))
    return s.solve("torch_grad", TORCH_GRAD_BY_DEFAULT_DTYPE)


def edited_demo_sets_dtype(s):  # the same setting added at the top of a demonstration
    i = _demo(s, "x0 = np.array([2.0, 2.0])")
    s.nb.cells[i].source = "torch.set_default_dtype(torch.float64)\n" + s.nb.cells[i].source
    return s.solve("torch_grad", TORCH_GRAD_BY_DEFAULT_DTYPE)


def exec_(s):  # the function's source kept in a string and executed
    _stub(s, "gradient_check", "def gradient_check(f, grad_f, x, eps=1e-5):")
    return _after(s, "gradient_check_solution", code_cell(_code_of('''
        SOURCE = """
        def gradient_check(f, grad_f, x, eps=1e-5):
            g_a = np.asarray(grad_f(x), dtype=np.float64)
            g_n = central_difference(f, x, eps)
            return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a) + np.linalg.norm(g_n), 1e-12))
        """
        exec(SOURCE)''')))


def percent_run(s):  # the same helper in a file beside the notebook (FILES), loaded with %run
    return _nudged_differences(s.insert_before("forward_difference_solution", code_cell("%run nudge.py")))


def cell_magic(s):  # a timed cell that defines a helper
    s.insert_before("rosenbrock_grad_solution", code_cell(_code_of("""
        %%time
        def inner_term(x):
            return x[1] - x[0] ** 2""")))
    return s.solve("rosenbrock_grad", _code_of("""
        def rosenbrock_grad(x, a=1.0, b=1.0):
            return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner_term(x), 2.0 * b * inner_term(x)])"""))


def seed_cell(s):  # a seed in a cell of its own, and a try-out of the student's own
    s.insert_before("rosenbrock_grad_solution", code_cell("np.random.seed(0)"))
    return _after(s, "rosenbrock_grad_check", code_cell("x_try = np.random.randn(2)\nprint(rosenbrock_grad(x_try))"))


def edited_demo_defines_global(s):  # a helper written into a demonstration, used by a later exercise
    i = _demo(s, "x0 = np.array([2.0, 2.0])")
    s.nb.cells[i].source = s.nb.cells[i].source.replace("x0 = np.array([2.0, 2.0])", "x0 = np.array([1.5, 2.0])")
    s.nb.cells[i].source += "\n\n" + _code_of("""
        def relative_error(a, b):
            return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)""")
    return s.solve("gradient_check", _code_of("""
        def gradient_check(f, grad_f, x, eps=1e-5):
            return float(relative_error(np.asarray(grad_f(x), dtype=np.float64), central_difference(f, x, eps)))"""))


def defined_twice(s):  # a wrong first try in the solution cell, the fix in a new cell below its check
    s.solve("rosenbrock_grad", _code_of("""
        def rosenbrock_grad(x, a=1.0, b=1.0):
            inner = x[1] - x[0] ** 2
            return np.array([-2.0 * (a - x[0]), 2.0 * b * inner])   # the chain-rule term forgotten"""))
    return s.insert_before("rosenbrock_grad_grade", code_cell(_code_of("""
        def rosenbrock_grad(x, a=1.0, b=1.0):
            inner = x[1] - x[0] ** 2
            return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])""")))


def moved_duplicated_deleted(s):  # lesson cells moved, duplicated and deleted; nothing written
    figure = s.nb.cells.pop(_demo(s, "fig, axes = plt.subplots(1, 2"))
    s.insert_before("torch_grad_solution", figure)                       # moved down
    i = _demo(s, "g_min = ")
    s.nb.cells.insert(i + 1, code_cell(s.nb.cells[i].source))           # duplicated
    del s.nb.cells[_demo(s, "fig, ax = plt.subplots(figsize=(7.5, 4.8))")]  # the error figure deleted
    return s


def helper_name_reused(s):  # a helper named like a function a later demonstration defines
    s.solve("central_difference", _code_of("""
        def g(f, x, i, eps):
            step = np.zeros_like(x)
            step.flat[i] = eps
            return (f(x + step) - f(x - step)) / (2 * eps)

        def central_difference(f, x, eps=1e-5):
            x = np.asarray(x, dtype=np.float64)
            return np.array([g(f, x, i, eps) for i in range(x.size)]).reshape(x.shape)"""))
    return s


STYLES = {  # student -> (how the submission is written, its total with every cell run; None: not asserted)
    "reference": (reference, FULL),
    "function_in_added_cell": (function_in_added_cell, FULL),
    "helper_in_added_cell": (helper_in_added_cell, FULL),
    "import_in_added_cell": (import_in_added_cell, FULL),
    "constant_appended_to_demo": (constant_appended_to_demo, FULL),
    "dict_filled_in_place": (dict_filled_in_place, FULL),
    "lambda_function": (lambda_function, FULL),
    "star_import": (star_import, FULL),
    "default_dtype": (default_dtype, FULL),
    "edited_demo_sets_dtype": (edited_demo_sets_dtype, FULL),
    "exec": (exec_, FULL),
    "percent_run": (percent_run, FULL),
    "cell_magic": (cell_magic, FULL),
    "seed_cell": (seed_cell, FULL),
    "edited_demo_defines_global": (edited_demo_defines_global, FULL),
    "defined_twice": (defined_twice, FULL),
    "moved_duplicated_deleted": (moved_duplicated_deleted, FULL),
    # gradient_check calls central_difference, whose helper g the secant demonstration has redefined
    # by then: the student's notebook run top to bottom fails gradient_check's check
    "helper_name_reused": (helper_name_reused, None),
}
FILES = {"percent_run": {"nudge.py": "import numpy as np\n\n" + NUDGED + "\n"}}  # beside the notebook


def skipped(course, student: str) -> list[int]:
    """The code cells of a student's autograded notebook that carry the skipped note."""
    nb = nbformat.read(course / "autograded" / student / LESSON / f"{LESSON}.ipynb", as_version=4)
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        o.get("text") == SKIPPED_NOTE for o in c.get("outputs", []))]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{"skip": course graded as configured, "all": course graded with every cell run}."""
    base = make_course(tmp_path_factory.mktemp("differential") / "course")
    for student, (write, _) in STYLES.items():
        write(Submission(base)).write(base, student)
        for name, text in FILES.get(student, {}).items():
            (base / "submitted" / student / LESSON / name).write_text(text)
    courses = {"skip": base, "all": base.parent / "all"}
    shutil.copytree(base, courses["all"])
    options = {"skip": (), "all": ("--SafeExecute.skip_unneeded_cells=False",)}
    with ThreadPoolExecutor(2) as pool:  # one autograde call per configuration, side by side
        list(pool.map(lambda c: nbgrader(courses[c], "autograde", LESSON, *options[c]), courses))
    return courses


@pytest.mark.e2e
@pytest.mark.parametrize("student", STYLES)
def test_skipping_never_changes_a_grade(graded, student):
    every_cell, as_configured = scores(graded["all"], student), scores(graded["skip"], student)
    assert set(every_cell) == set(POINTS)
    changed = {cell: (as_configured.get(cell), score) for cell, score in every_cell.items()
               if as_configured.get(cell) != score}
    assert not changed, f"{student}: (skipping, every cell run) differ: {changed}"
    expected = STYLES[student][1]
    if expected is not None:  # the submission is what it claims to be: a correct one
        assert sum(every_cell.values()) == expected, every_cell
    assert not skipped(graded["all"], student)


@pytest.mark.e2e
def test_the_demonstrations_of_an_untouched_lesson_are_still_skipped(graded):
    """The saving is kept: a student who left every demonstration as it was has exactly the cells
    skipped that the lesson's own analysis skips (9 of lesson 01's 28 code cells)."""
    lesson = nbformat.read(source_path(LESSON), as_version=4)
    expected = len(code_cells(lesson.cells)) - len(needed_cells(lesson.cells, lesson.cells))
    assert expected >= 5
    assert len(skipped(graded["skip"], "reference")) == expected
    assert len(skipped(graded["skip"], "lambda_function")) == expected
