"""Every lesson's notebooks execute cleanly and have the shape the spec asks of a lesson.

The reading editions of the lessons a run selects are executed once, two kernels at a time (one
fixture for the module). A reading edition is the source notebook without its grade cells
(test_editions proves it, cell by cell), so executing it runs every other cell of the source, the
way a student's notebook runs them (the release's grade cells are empty); the grade cells are run,
and earn full marks with the solutions, through nbgrader itself in test_e2e_nbgrader."""
import re

import nbformat
import pytest

from coursegrader.grading.protocol import nbgrader_meta
from tools.editions import NOTEBOOKS, lessons, source_path

from helpers import execute_many, graded_cells, outputs_of

LESSONS = lessons()


def _read(lesson):
    return nbformat.read(source_path(lesson), as_version=4)


@pytest.fixture(scope="module")
def executed(request):
    """{lesson: executed reading edition} of the lessons whose tests this run selected (all ten
    under a plain run)."""
    wanted = {test.callspec.params["lesson"] for test in request.session.items
              if test.module is request.module and test.originalname == "test_reading_edition_executes_with_figures"
              and hasattr(test, "callspec")}
    jobs = [lesson for lesson in LESSONS if lesson in wanted]
    notebooks = [(nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4), source_path(lesson).parent)
                 for lesson in jobs]
    return dict(zip(jobs, execute_many(notebooks, {"COURSEKIT_STATIC": "1"}, return_exceptions=True)))


def _run(executed, lesson):
    """The executed notebook; an execution that failed as a whole (dead kernel, timeout) fails here."""
    nb = executed[lesson]
    if isinstance(nb, Exception):
        raise nb
    return nb


@pytest.mark.parametrize("lesson", LESSONS)
def test_source_notebook_has_the_shape_of_a_lesson(lesson):
    nb = _read(lesson)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "source is stored cleared"
    points = graded_cells(nb)
    assert 3 <= len(points) <= 8, f"{len(points)} graded exercises (the spec: 3 to 8)"
    assert 10 <= sum(points.values()) <= 30, f"{sum(points.values())} points (the spec: 10 to 30)"
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
def test_reading_edition_executes_with_figures(executed, lesson):
    path = NOTEBOOKS / f"{lesson}.ipynb"
    stored = nbformat.read(path, as_version=4)
    images = [o for _, o in outputs_of(stored, "display_data") + outputs_of(stored, "execute_result")
              if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the reading edition shows fewer than two figures"
    nb = _run(executed, lesson)
    errors = [(i, o.ename, o.evalue) for i, o in outputs_of(nb, "error")]
    assert not errors, errors
    stderr = [(i, o.text[:300]) for i, o in outputs_of(nb, "stream") if o.name == "stderr"]
    assert not stderr, f"the notebook writes to stderr (warnings?): {stderr}"
