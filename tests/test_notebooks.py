"""Every lesson's notebooks execute cleanly, earn full marks with the solutions, and have the
shape the spec asks of a lesson."""
import re

import nbformat
import pytest

from tools.editions import NOTEBOOKS, graded_cells, lessons, nbgrader_meta, source_path

from helpers import execute, outputs_of

LESSONS = lessons()


def _read(lesson):
    return nbformat.read(source_path(lesson), as_version=4)


@pytest.mark.parametrize("lesson", LESSONS)
def test_source_notebook_runs_clean_and_earns_full_marks(lesson):
    nb = execute(_read(lesson), source_path(lesson).parent, {"COURSEKIT_STATIC": "1"})
    errors = [(i, o.ename, o.evalue) for i, o in outputs_of(nb, "error")]
    assert not errors, errors
    stderr = [(i, o.text[:300]) for i, o in outputs_of(nb, "stream") if o.name == "stderr"]
    assert not stderr, f"the notebook writes to stderr (warnings?): {stderr}"
    points = graded_cells(nb)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and cell.cell_type == "code":
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert results, f"{meta['grade_id']} returns no score"
            assert float(results[0].data["text/plain"]) == points[meta["grade_id"]], meta["grade_id"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_source_notebook_has_the_shape_of_a_lesson(lesson):
    nb = _read(lesson)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "source is stored cleared"
    points = graded_cells(nb)
    assert 3 <= len(points) <= 7, f"{len(points)} graded exercises"
    assert 10 <= sum(points.values()) <= 25, f"{sum(points.values())} points"
    text = "\n".join(c.source for c in nb.cells)
    assert "What to remember" in "\n".join(c.source for c in nb.cells[-3:] if c.cell_type == "markdown")
    assert re.search(r"\$.+\$", text), "no LaTeX math"
    assert "explore(" in text or "ipywidgets" in text or "coursekit.race" in text, "no widget explorer"
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
            following = nb.cells[i + 1]
            assert "check(" in following.source and nbgrader_meta(following).get("locked"), \
                f"{meta['grade_id']} has no visible check right after it"
        if meta.get("grade") and cell.cell_type == "code":
            assert "### BEGIN HIDDEN TESTS" in cell.source and "grade(" in cell.source


@pytest.mark.parametrize("lesson", LESSONS)
def test_reading_edition_executes_with_figures(lesson):
    path = NOTEBOOKS / f"{lesson}.ipynb"
    stored = nbformat.read(path, as_version=4)
    images = [o for _, o in outputs_of(stored, "display_data") + outputs_of(stored, "execute_result")
              if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the reading edition shows fewer than two figures"
    nb = execute(nbformat.read(path, as_version=4), source_path(lesson).parent, {"COURSEKIT_STATIC": "1"})
    errors = [(i, o.ename, o.evalue) for i, o in outputs_of(nb, "error")]
    assert not errors, errors
