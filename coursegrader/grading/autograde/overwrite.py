"""``SafeOverwriteCells``: nbgrader's ``OverwriteCells``, putting back every grade cell a student deleted.

nbgrader's ``add_missing_grade_cells`` puts a missing grade cell right after its predecessor in the
source notebook, looked up among the submission's grade and solution cells only; when that
predecessor is a read-only cell (here: the visible check before every hidden test) or is gone too,
it fails the whole submission with a ``KeyError``. This subclass first puts back the grade cells
nbgrader cannot place, after the nearest earlier cell of the source notebook still present (or at
the end), then lets nbgrader's own method put back the rest.
"""
from __future__ import annotations

import re

import nbformat
from nbgrader.preprocessors import OverwriteCells
from traitlets import Bool


def _grade_ids(nb, kinds: tuple[str, ...] | None = None) -> dict[str, int]:
    """{grade_id: index} of the submission's nbgrader cells (of the given kinds, if any)."""
    found = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if "grade_id" in meta and (kinds is None or any(meta.get(k) for k in kinds)):
            found[meta["grade_id"]] = i
    return found


class SafeOverwriteCells(OverwriteCells):
    """nbgrader's ``OverwriteCells`` that never fails a submission because a grade cell is missing."""

    add_missing_cells = Bool(True, help="Put deleted grade cells back (and grade them).").tag(config=True)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source_nb.source_cells]
        solutions = {cell.name for cell in source_nb.solution_cells}
        for grade_cell in source_nb.grade_cells:
            present = _grade_ids(nb)
            if grade_cell.name in present:
                continue
            position = order.index(grade_cell.name)
            if position > 0 and order[position - 1] in _grade_ids(nb, kinds=("grade", "solution")):
                continue  # nbgrader's own method places this one
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_cell.name)
            source_cell = next(c for c in source_nb.source_cells if c.name == grade_cell.name)
            cell = nbformat.from_dict(self.missing_cell_transform(source_cell, grade_cell.max_score,
                                                                  is_solution=grade_cell.name in solutions))
            cell["id"] = re.sub(r"[^A-Za-z0-9_-]", "-", f"restored-{grade_cell.name}")[:64]
            anchor = next((present[name] for name in reversed(order[:position]) if name in present), None)
            nb.cells.insert(len(nb.cells) if anchor is None else anchor + 1, cell)
        return super().add_missing_grade_cells(nb, resources)
