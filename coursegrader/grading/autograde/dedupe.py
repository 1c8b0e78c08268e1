"""``SafeDeduplicateIds``: a copied test cell becomes an ordinary cell instead of failing the submission."""
from __future__ import annotations

from nbgrader.preprocessors import DeduplicateIds


class SafeDeduplicateIds(DeduplicateIds):
    """nbgrader's ``DeduplicateIds``, but a duplicated cell becomes an ordinary cell.

    nbgrader blanks the duplicate's metadata to ``{}``, which its own schema check then rejects,
    failing the whole submission: a student who copies a test cell would lose every point.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if not cell.get("metadata", {}).get("nbgrader"):
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources
