"""The nbgrader preprocessors of coursegrader/grading/autograde, each on tiny notebooks built here and
``preprocess(nb, resources)`` called directly, in nbgrader's own testing style (no kernel, no
nbgrader command). The sandboxed kernel itself is tested in test_sandbox_kernel.py."""
from __future__ import annotations

import json
import logging

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, SaveCells
from nbgrader.utils import compute_checksum

from coursegrader.grading import get_exercise
from coursegrader.grading.autograde import CapOutputs, SafeDeduplicateIds, SafeOverwriteCells, VerifyGrades
from coursegrader.grading.autograde.provisioner import PROVISIONER_NAME, SandboxKernelSpecManager
from coursegrader.grading.protocol import (
    MIME,
    cell_id,
    check_cell_source,
    grade_cell_metadata,
    grade_cell_source,
    make_payload,
    nbgrader_meta,
    payload_output,
)
from coursekit.check.collect import collect


def rosenbrock(x, a=1.0, b=1.0):
    return (a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2


def b100_rosenbrock(x, a=1.0, b=1.0):
    return (a - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _payload(fn, name="rosenbrock") -> dict:
    ex = get_exercise(name)
    return {"output_type": "display_data", "metadata": {},
            "data": json.loads(json.dumps(payload_output(name, [collect(ex, fn, c) for c in ex.hidden()])))}


def _shown(score) -> dict:
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": repr(score)}}


def _grade_nb(*outputs, name="rosenbrock", points=2):
    cell = new_code_cell(grade_cell_source({name: name}, points))
    cell.metadata["nbgrader"] = grade_cell_metadata(name, points)
    cell.outputs = list(outputs)
    return nbformat.from_dict(new_notebook(cells=[new_code_cell("x = 1"), cell]))


def _verified(nb) -> tuple[str, float, dict]:
    nb, _ = VerifyGrades().preprocess(nb, {})
    cell = nb.cells[-1]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    score = float(next(o.data["text/plain"] for o in cell.outputs if o.output_type == "execute_result"))
    return text, score, cell.metadata["coursekit"]


# -- VerifyGrades --------------------------------------------------------------------------------
def test_verify_scores_an_honest_payload():
    text, score, record = _verified(_grade_nb(_payload(rosenbrock), _shown(2.0)))
    assert score == 2.0 and "rosenbrock: 10 of 10 hidden cases passed" in text and "Score: 2 / 2" in text
    [verdict] = record["verdicts"]
    assert verdict["score"] == 2.0 and all(c["passed"] and c["mistake"] is None for c in verdict["cases"])
    assert MIME not in json.dumps(nbformat.from_dict(_grade_nb()).cells[-1].outputs)


def test_verify_records_the_catalogued_mistake_of_each_case():
    text, score, record = _verified(_grade_nb(_payload(b100_rosenbrock), _shown(0.4)))
    [verdict] = record["verdicts"]
    names = {m.name for m in get_exercise("rosenbrock").mistakes}
    failed = [c for c in verdict["cases"] if not c["passed"]]
    assert 0 < score < 2 and failed and all(c["mistake"] in names for c in failed)
    assert verdict["likely_mistake"] in names and "Most likely mistake: b is hard-coded to 100" in text


def test_verify_ignores_the_score_the_notebook_displayed():
    text, score, _ = _verified(_grade_nb(_payload(b100_rosenbrock), _shown(2.0)))
    assert score < 2.0
    assert "the notebook displayed 2.0 points here" in text and "The verified score counts" in text


def test_verify_without_a_payload_earns_nothing_and_says_why():
    error = {"output_type": "error", "ename": "NameError", "evalue": "name 'rosenbrock' is not defined",
             "traceback": []}
    text, score, _ = _verified(_grade_nb(error))
    assert score == 0.0 and "no verified results: the cell stopped with NameError" in text
    text, score, _ = _verified(_grade_nb(_shown(2.0)))
    assert score == 0.0 and "replaced or disabled the grading code" in text


def test_verify_counts_the_lowest_of_several_payloads_and_refuses_forged_ones():
    forged = _payload(rosenbrock)
    forged["data"][MIME]["score"] = 2.0
    text, score, _ = _verified(_grade_nb(_payload(rosenbrock), forged, _shown(2.0)))
    assert score == 0.0 and "could not be read" in text and "unexpected fields" in text
    text, score, _ = _verified(_grade_nb(_payload(rosenbrock), _payload(b100_rosenbrock), _shown(2.0)))
    assert 0 < score < 2.0


def test_verify_refuses_another_version_and_a_truncated_payload():
    old = _payload(rosenbrock)
    old["data"][MIME]["version"] = 0
    text, score, _ = _verified(_grade_nb(old))
    assert score == 0.0 and "payload version 0" in text
    short = _payload(rosenbrock)
    short["data"][MIME]["cases"] = short["data"][MIME]["cases"][:3]
    text, score, _ = _verified(_grade_nb(short))
    assert score == 0.0 and "3 results for 10 cases" in text
    cut = {"output_type": "display_data", "metadata": {},
           "data": {MIME: json.dumps(make_payload("rosenbrock", []))[:20]}}
    text, score, _ = _verified(_grade_nb(cut))
    assert score == 0.0 and "no verified results" in text


def test_verify_leaves_cells_that_grade_nothing():
    nb = _grade_nb(_shown(5.0))
    nb.cells[-1].source = "5.0"
    nb, _ = VerifyGrades().preprocess(nb, {})
    assert nb.cells[-1].outputs[0].data["text/plain"] == "5.0"


# -- CapOutputs ----------------------------------------------------------------------------------
def test_cap_outputs_bounds_characters_and_count():
    cell = new_code_cell("print('x' * 10**6)")
    cell.outputs = [nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": "x" * 1_000_000})]
    many = new_code_cell("for i in range(500): print(i)")
    many.outputs = [nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": f"{i}\n"})
                    for i in range(500)]
    nb, _ = CapOutputs(max_chars=10_000, max_outputs=20).preprocess(new_notebook(cells=[cell, many]), {})
    text = nb.cells[0].outputs[0].text
    assert len(text) < 10_200 and "characters removed by the grader" in text
    assert len(nb.cells[1].outputs) == 21 and "more output removed" in nb.cells[1].outputs[-1].text


# -- SafeDeduplicateIds --------------------------------------------------------------------------
def test_a_copied_grade_cell_becomes_an_ordinary_cell():
    original = new_code_cell("grade('rosenbrock', rosenbrock)")
    original.metadata["nbgrader"] = grade_cell_metadata("rosenbrock", 2)
    copy = nbformat.from_dict({**json.loads(json.dumps(original)), "id": "copied"})
    nb, _ = SafeDeduplicateIds().preprocess(new_notebook(cells=[copy, original]), {})
    assert "nbgrader" not in nb.cells[0].metadata  # nbgrader keeps the last; its {} would fail the schema
    assert nbgrader_meta(nb.cells[1])["grade_id"] == "rosenbrock_grade"


# -- SafeOverwriteCells --------------------------------------------------------------------------
def _exercise_cells(name, with_check=True):
    solution = new_code_cell(f"def {name}(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION")
    solution.metadata["nbgrader"] = {"grade_id": cell_id(name, "solution"), "solution": True, "grade": False,
                                     "locked": False, "schema_version": 3}
    check = new_code_cell(check_cell_source({name: name}))
    check.metadata["nbgrader"] = {"grade_id": cell_id(name, "check"), "solution": False, "grade": False,
                                  "locked": True, "schema_version": 3}
    grade = new_code_cell(grade_cell_source({name: name}, 2))
    grade.metadata["nbgrader"] = grade_cell_metadata(name, 2)
    cells = [solution] + ([check] if with_check else []) + [grade]
    for cell in cells:  # as nbgrader generate_assignment records them
        cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
    return [new_markdown_cell(f"Write {name}.")] + cells


@pytest.fixture(scope="module")
def course_db(tmp_path_factory):
    """One gradebook for the module (nbgrader creates it with alembic: slow); each test its notebook."""
    db = f"sqlite:///{tmp_path_factory.mktemp('gradebook') / 'gradebook.db'}"
    with Gradebook(db) as gb:
        gb.add_assignment("ps0")
    return db


def _resources(db, notebook):
    return {"nbgrader": {"db_url": db, "assignment": "ps0", "notebook": notebook}}


@pytest.mark.parametrize("deleted", [["f_check", "f_grade"], ["f_grade"]])
def test_deleted_grade_cells_are_put_back_after_the_read_only_check(course_db, deleted):
    notebook = f"nb{len(deleted)}"
    source = nbformat.from_dict(new_notebook(cells=_exercise_cells("f") + _exercise_cells("g")))
    SaveCells().preprocess(source, _resources(course_db, notebook))
    submitted = nbformat.from_dict(json.loads(json.dumps(source)))
    submitted.cells = [c for c in submitted.cells if nbgrader_meta(c).get("grade_id") not in deleted]
    nb, _ = SafeOverwriteCells().preprocess(submitted, _resources(course_db, notebook))
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
    assert ids.index("f_grade") == ids.index("f_check" if "f_check" in ids else "f_solution") + 1
    assert ids.count("f_grade") == 1 and ids[-1] == "g_grade"
    restored = nb.cells[ids.index("f_grade")]
    assert 'grade("f", f)' in restored.source and nbgrader_meta(restored)["points"] == 2


def test_nbgraders_own_method_puts_back_a_grade_cell_right_after_its_solution(course_db):
    source = nbformat.from_dict(new_notebook(cells=_exercise_cells("f", with_check=False)))
    SaveCells().preprocess(source, _resources(course_db, "plain"))
    submitted = nbformat.from_dict(json.loads(json.dumps(source)))
    del submitted.cells[-1]
    nb, _ = SafeOverwriteCells().preprocess(submitted, _resources(course_db, "plain"))
    assert [nbgrader_meta(c).get("grade_id") for c in nb.cells] == [None, "f_solution", "f_grade"]


def test_no_checksum_warning_for_a_grade_cell_as_released_but_one_for_an_edited_one(course_db, caplog):
    """nbgrader compared every grade cell with the source (hidden tests included) and warned "checksum has
    changed!" for every grade cell of every honest student (nbgrader issue 1961)."""
    source = nbformat.from_dict(new_notebook(cells=_exercise_cells("f") + _exercise_cells("g")))
    assert all("BEGIN HIDDEN TESTS" in c.source for c in source.cells if nbgrader_meta(c).get("grade"))
    SaveCells().preprocess(source, _resources(course_db, "released"))
    released, _ = ClearHiddenTests().preprocess(nbformat.from_dict(json.loads(json.dumps(source))), {})
    edited = next(c for c in released.cells if nbgrader_meta(c).get("grade_id") == "g_grade")
    edited.source += "\nprint('my own line')"
    with caplog.at_level(logging.DEBUG):
        nb, _ = SafeOverwriteCells().preprocess(released, _resources(course_db, "released"))
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "checksum" in r.getMessage()]
    assert len(warned) == 1 and "g_grade" in warned[0], warned
    assert [c.source for c in nb.cells] == [c.source for c in source.cells], "restored from the source, as before"


# -- the sandbox's kernel spec --------------------------------------------------------------------
def test_sandbox_kernel_spec_names_the_provisioner_and_interrupts_by_message():
    config = {"hidden_folders": ["/course"], "memory_limit": 2 ** 30, "private": "/tmp/p", "stderr_path": ""}
    spec = SandboxKernelSpecManager(sandbox_config=config).get_kernel_spec("python3")
    assert spec.interrupt_mode == "message"
    assert spec.metadata["kernel_provisioner"] == {"provisioner_name": PROVISIONER_NAME, "config": config}
