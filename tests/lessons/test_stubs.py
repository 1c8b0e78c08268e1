"""Every stub a student starts from (release/) carries a docstring that names each argument and
what the function returns: the stub is all a student sees of the function before writing it."""
import ast
import re

import nbformat
import pytest

from coursegrader.grading.protocol import nbgrader_meta
from tools.editions import RELEASE, lessons

LESSONS = lessons()


def _stubs(lesson):
    nb = nbformat.read(RELEASE / lesson / f"{lesson}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and nbgrader_meta(cell).get("solution"):
            tree = ast.parse(cell.source)
            for node in tree.body:
                if isinstance(node, ast.FunctionDef):
                    yield nbgrader_meta(cell)["grade_id"], node


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_stub_docstring_names_its_arguments_and_its_result(lesson):
    problems = []
    stubs = list(_stubs(lesson))
    assert stubs, f"no graded function stub in release/{lesson}"
    for cell_id, fn in stubs:
        doc = ast.get_docstring(fn)
        if not doc:
            problems.append(f"{cell_id}: {fn.name} has no docstring")
            continue
        args = fn.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        missing = [n for n in names if not re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", doc)]
        if missing:
            problems.append(f"{cell_id}: {fn.name}'s docstring does not name {missing}")
        if not re.search(r"\b(returns?|->|yields?)\b|->", doc, re.I):
            problems.append(f"{cell_id}: {fn.name}'s docstring does not say what it returns")
    assert not problems, "\n".join(problems)
