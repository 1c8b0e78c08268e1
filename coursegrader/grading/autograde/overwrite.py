"""``SafeOverwriteCells``: nbgrader's ``OverwriteCells``, putting back every grade cell a student deleted.

nbgrader's ``add_missing_grade_cells`` puts a missing grade cell right after its predecessor in the
source notebook, looked up among the submission's grade and solution cells only; when that
predecessor is a read-only cell (here: the visible check before every hidden test) or is gone too,
it fails the whole submission with a ``KeyError``. This subclass first puts back the grade cells
nbgrader cannot place, after the nearest earlier cell of the source notebook still present (or at
the end), then lets nbgrader's own method put back the rest.

nbgrader also compares each locked cell's checksum with the *source* cell's, which holds the hidden
tests the student's copy never had: every grade cell of every honest submission logs "Attribute
'checksum' for cell ... has changed!" (nbgrader issue 1961), drowning the warnings that matter. Here
that warning is kept for a cell that differs from what was released (the source without its hidden
tests, removed the way nbgrader's ``ClearHiddenTests`` removes them) and left out otherwise. The
cell is restored from the source either way, as nbgrader does.
"""
from __future__ import annotations

import re

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells
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

    def _released(self, source: str) -> str:
        """The source cell as the student received it: its hidden tests removed (ClearHiddenTests' rule)."""
        hidden = ClearHiddenTests(parent=self)
        lines, kept, inside = source.split("\n"), [], False
        for line in lines:
            if hidden.begin_test_delimeter in line:
                inside = True
            elif hidden.end_test_delimeter in line:
                inside = False
            elif not inside:
                kept.append(line)
        return "\n".join(kept)

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        self._as_released = False
        if grade_id is not None:
            try:
                source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id).source
                self._as_released = cell.source.strip() == self._released(source).strip()
            except MissingEntry:  # nbgrader reports the missing source cell itself, below
                pass
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and getattr(self, "_as_released", False):
            self.log.debug("Cell %s is as released (its hidden tests were not in the student's copy)", name)
            return
        super().report_change(name, attr, old, new)

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
