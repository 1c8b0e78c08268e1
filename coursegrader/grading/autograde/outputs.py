"""``CapOutputs``: a cell's outputs bounded in characters and in number."""
from __future__ import annotations

import json

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


class CapOutputs(NbGraderPreprocessor):
    """Bound what a cell's outputs weigh: nbgrader's ``LimitOutput`` counts lines, so one 100 MB
    line (or a plot called a thousand times with a print inside) would pass through whole."""

    max_chars = Integer(100_000, help="Characters of text output kept per cell.").tag(config=True)
    max_outputs = Integer(200, help="Outputs kept per cell.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        budget, kept = self.max_chars, []
        for out in cell.get("outputs", []):
            if len(kept) >= self.max_outputs or budget <= 0:
                kept.append(NotebookNode(output_type="stream", name="stdout",
                                         text="\n... (more output removed by the grader)\n"))
                break
            if out.output_type == "stream":
                text = out.text
                if len(text) > budget:
                    removed = f"\n... ({len(text) - budget:,} characters removed by the grader) ...\n"
                    out.text = text[:budget // 2] + removed \
                        + text[-budget // 2:]
                budget -= len(out.text)
            elif out.output_type in ("display_data", "execute_result"):
                size = sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in out.get("data", {}).values())
                if size > max(budget, 2_000_000):
                    out = NotebookNode(output_type="stream", name="stdout",
                                       text=f"... (an output of {size:,} characters removed by the grader)\n")
                budget -= min(size, budget)
            kept.append(out)
        cell.outputs = kept
        return cell, resources
