"""The three editions of a lesson, derived from its source notebook.

- release/: nbgrader generate_assignment (stubs, hidden tests removed), see build_release.py;
- notebooks/: the reading edition: solutions kept (markers removed), hidden tests removed,
  grade cells dropped, executed with outputs stored; see build_notebooks.py.
"""
from __future__ import annotations

import copy
import pathlib
import re
import sys

import nbformat

from coursegrader.grading.protocol import BEGIN_HIDDEN, END_HIDDEN, is_grade_cell

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
NOTEBOOKS = ROOT / "notebooks"

_HIDDEN = re.compile(rf"^[ \t]*{BEGIN_HIDDEN}.*?^[ \t]*{END_HIDDEN}[ \t]*\n?", re.M | re.S)
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def lessons() -> list[str]:
    """Lesson names (``01_gradients``, ...) in course order."""
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)


def selected_lessons(argv: list[str], what: str) -> list[str]:
    """The lessons named on a tool's command line (all of them when none is named). ``-h``/``--help``
    prints the usage; an unknown name exits with a message listing the lessons (status 2)."""
    known = lessons()
    if any(a in ("-h", "--help") for a in argv):
        print(f"usage: python -m {what} [LESSON ...]  (default: every lesson)\nlessons: {' '.join(known)}")
        raise SystemExit(0)
    unknown = [a for a in argv if a not in known]
    if unknown:
        print(f"{what}: no such lesson: {' '.join(unknown)}\nlessons: {' '.join(known)}", file=sys.stderr)
        raise SystemExit(2)
    return argv or known


def source_path(lesson: str) -> pathlib.Path:
    return SOURCE / lesson / f"{lesson}.ipynb"


def solution_code(cell) -> str:
    """A solution cell's code with the BEGIN/END SOLUTION marker lines removed."""
    return _MARKER.sub("", cell.source)


def reading_edition(nb) -> nbformat.NotebookNode:
    """Solutions kept, hidden tests and grade cells removed, outputs cleared, nbgrader metadata dropped."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if is_grade_cell(cell):
            continue  # a hidden grade cell: nothing for a reader
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.source = _MARKER.sub("", _HIDDEN.sub("", cell.source)).rstrip("\n")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    return nb
