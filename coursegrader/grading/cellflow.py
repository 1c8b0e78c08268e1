"""Which cells of a submission the grade depends on: the rest (experiments, figures) is skipped
while autograding.

A lesson's demonstration cells run the student's functions on experiments and draw figures; they
take most of a notebook's time and no grade depends on them. A code cell is *needed* when

- it is an nbgrader cell (solution, visible check, hidden test, or any locked cell),
- it is the notebook's first code cell (the setup: imports, settings),
- it binds a name that a needed cell after it reads (a helper function, data, an import), or
- it reads a name bound by a plain (non-nbgrader) cell that a needed cell after it also reads:
  it may change that object in place (``X[0] = 0``, ``model.train()``) before the needed cell runs.

Every other code cell is skipped. Names are read from the cells' symbol tables (``symtable``), so a
student whose function reads a global defined in an experiment cell (edited or not) keeps that
cell, and grading sees what the student saw. A cell that does not parse, or is an IPython cell
magic (``%%time``), is needed: the analysis never guesses. What it does not see is a cell that
only changes global state through a module (``torch.set_default_dtype(...)``): the students' guide
says so. Pure functions: no kernel, no I/O.
"""
from __future__ import annotations

import symtable
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CellNames:
    """What one cell's code binds at the top level and which global names it reads."""

    binds: frozenset[str]
    reads: frozenset[str]
    data: frozenset[str]  # bound by assignment (not by def, class or import): objects that can change


def _python(source: str) -> str:
    """The cell without its IPython line magics and shell escapes (``%matplotlib``, ``!pip``)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def cell_names(source: str) -> CellNames | None:
    """The names a cell binds and reads; None when it cannot be analysed (syntax error, cell magic)."""
    if source.lstrip().startswith("%%"):
        return None
    try:
        top = symtable.symtable(_python(source), "<cell>", "exec")
    except (SyntaxError, ValueError):
        return None
    binds, reads = set(), set()
    for symbol in top.get_symbols():
        name = symbol.get_name()
        if symbol.is_assigned() or symbol.is_imported():
            binds.add(name)
        if symbol.is_referenced():
            reads.add(name)
    defined = {child.get_name() for child in top.get_children()}  # functions and classes
    data = {name for name in binds if name not in defined and not top.lookup(name).is_imported()}

    def inner(table) -> None:  # globals read inside functions, classes, comprehensions, lambdas
        for child in table.get_children():
            reads.update(s.get_name() for s in child.get_symbols() if s.is_global() and s.is_referenced())
            inner(child)

    inner(top)
    return CellNames(frozenset(binds), frozenset(reads), frozenset(data))


def needed_cells(cells: Sequence[dict]) -> set[int]:
    """The indices of the code cells the grade depends on (see the module's docstring).

    ``cells`` are notebook cells (nbformat dicts); markdown and raw cells are never in the result.
    """
    code = [i for i, cell in enumerate(cells) if cell.get("cell_type") == "code" and cell.get("source", "").strip()]
    if not code:
        return set()
    names = {i: cell_names(cells[i]["source"]) for i in code}
    plain_data = set().union(*(n.data for i, n in names.items()
                               if n is not None and not cells[i].get("metadata", {}).get("nbgrader")))
    needed: set[int] = set()
    read_later: set[str] = set()  # names read by needed cells after the current one
    for i in reversed(code):
        n = names[i]
        required = (n is None or bool(cells[i].get("metadata", {}).get("nbgrader")) or i == code[0])
        if required or n.binds & read_later or n.reads & read_later & plain_data:
            needed.add(i)
            if n is not None:
                read_later |= n.reads
    return needed
