"""Every lesson's notebooks execute cleanly and have the shape the spec asks of a lesson.

The reading editions of the lessons a run selects are executed once, two kernels at a time (one
fixture for the module). A reading edition is the source notebook without its grade cells
(test_editions proves it, cell by cell), so executing it runs every other cell of the source, the
way a student's notebook runs them (the release's grade cells are empty); the grade cells are run,
and earn full marks with the solutions, through nbgrader itself in test_e2e_nbgrader."""
import re
from collections import Counter

import nbformat
import pytest

from coursekit.claims import RECORD_ONLY, claims_in
from coursekit.plainmath import unknown_commands
from tools.course import first_mistakes, mistake_code
from tools.editions import NOTEBOOKS, graded_cells, lessons, nbgrader_meta, reading_edition, source_path

from helpers import execute_many, outputs_of

LESSONS = lessons()
EXECUTES = ("test_reading_edition_executes_with_figures", "test_every_claim_line_reads_as_text_without_tex")
PLANTED = "test_no_claim_holds_on_a_sentinel_with_the_first_mistakes_planted"


def _read(lesson):
    return nbformat.read(source_path(lesson), as_version=4)


def planted_edition(lesson):
    """The reading edition with each graded function replaced by its exercise's first catalogued
    mistake (as the end-to-end test plants them), every claim recorded and none raised
    (``COURSEKIT_CLAIMS=record``): the lesson's experiments run on wrong functions to the end."""
    source = _read(lesson)
    chosen = first_mistakes(lesson)
    for cell in source.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in chosen:
            cell.source = mistake_code(chosen[grade_id])
    nb = reading_edition(source)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f'import os\nos.environ["{RECORD_ONLY}"] = "record"'))
    return nb


@pytest.fixture(scope="module")
def executed(request):
    """{lesson: executed reading edition, ("planted", lesson): the executed :func:`planted_edition`} of
    the lessons whose tests this run selected (all ten under a plain run), two kernels at a time."""
    def selected(names):
        return {test.callspec.params["lesson"] for test in request.session.items
                if test.module is request.module and test.originalname in names and hasattr(test, "callspec")}

    planted = selected((PLANTED,))
    wanted = selected(EXECUTES) | planted  # the sentinel test compares with the lesson's own run
    jobs, notebooks = [], []
    for lesson in LESSONS:
        if lesson in wanted:
            jobs.append(lesson)
            notebooks.append((nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4), source_path(lesson).parent))
        if lesson in planted:
            jobs.append(("planted", lesson))
            notebooks.append((planted_edition(lesson), source_path(lesson).parent))
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


def _claim_outputs(nb):
    return [o for _, o in outputs_of(nb, "display_data") if claims_in([o])]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_claim_line_reads_as_text_without_tex(executed, lesson):
    """A claim's text/plain (what shows where math cannot be typeset) has no ``$`` and no TeX command;
    its text/markdown keeps the math for JupyterLab, the site and the feedback pages, and every
    command of that math has a Unicode reading (coursekit.plainmath)."""
    shown = _claim_outputs(_run(executed, lesson))
    assert shown, "no claim shown"
    raw = [o.data["text/plain"] for o in shown if re.search(r"\$|\\[A-Za-z]+|\\[_{}]", o.data["text/plain"])]
    assert not raw, raw[:5]
    assert all("text/markdown" in o.data for o in shown)
    unknown = {c for o in shown for c in unknown_commands(o.data["text/markdown"])}
    assert not unknown, f"TeX commands with no plain reading (add them to coursekit/plainmath.py): {unknown}"


def _sentinel(value) -> bool:
    """What a measurement gives when the run failed: never reached (None), NaN or inf, an empty run,
    or 0 as an int (np.argmax over a level never reached counts 0 steps)."""
    return value is None or value in ("nan", "inf", "-inf", "empty") or (type(value) is int and value == 0)


def held_on_sentinels(right, planted) -> list[str]:
    """The claims of the planted run that held on a sentinel value where the lesson's own run measured
    something else (matched by statement and occurrence): a claim that cannot tell a failed experiment
    from a successful one."""
    seen, reference = Counter(), {}
    for c in right:
        seen[c.statement] += 1
        reference[(c.statement, seen[c.statement])] = c
    seen, found = Counter(), []
    for c in planted:
        seen[c.statement] += 1
        base = reference.get((c.statement, seen[c.statement]))
        if not c.holds or base is None:
            continue
        ours, theirs = c.values or [], base.values or []
        for i, value in enumerate(ours):
            if _sentinel(value) and (i >= len(theirs) or theirs[i] != value):
                found.append(f"{c.statement!r} held on {value!r} (measured {c.measured}; the lesson's run: "
                             f"{base.measured})")
                break
    return found


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_claim_holds_on_a_sentinel_with_the_first_mistakes_planted(executed, lesson):
    """Each graded function replaced by its first catalogued mistake, the lesson's experiments run to
    the end (claims recorded, none raised): a claim that still holds must not hold on a sentinel (0
    steps, NaN, an empty run, a level never reached) where the lesson's own run measured a value."""
    right = [c for cell in _run(executed, lesson).cells for c in claims_in(cell.get("outputs", []))]
    planted = [c for cell in _run(executed, ("planted", lesson)).cells for c in claims_in(cell.get("outputs", []))]
    assert planted, "no claim ran with the mistakes planted"
    bad = held_on_sentinels(right, planted)
    assert not bad, "\n".join(bad)


def test_a_claim_holding_on_a_sentinel_is_found():
    from coursekit.claims import Claim

    right = [Claim("fewer steps", "12 against 40", True, values=[12, 40]), Claim("never", "never", True, values=[None]),
             Claim("ends below 0.1", "0.01", True, values=[0.01]), Claim("ends below 0.1", "0.02", True, values=[0.02])]
    planted = [Claim("fewer steps", "0 against 40", True, values=[0, 40]), Claim("never", "never", True, values=[None]),
               Claim("ends below 0.1", "0.05", True, values=[0.05]),
               Claim("ends below 0.1", "nan", True, values=["nan"])]
    found = held_on_sentinels(right, planted)
    assert len(found) == 2 and "'fewer steps' held on 0" in found[0] and "held on 'nan'" in found[1]
    planted[0] = Claim("fewer steps", "0 against 40", False, values=[0, 40])  # failed: fine
    assert len(held_on_sentinels(right, planted)) == 1
