"""The grading protocol (coursegrader/grading/protocol.py): cell ids, grade-cell sources and the
results payload, hostile payloads included. Pure functions: no kernel, no nbgrader command."""
from __future__ import annotations

import json

import numpy as np
import pytest

from coursegrader.grading.protocol import (
    MAX_PAYLOAD_CHARS,
    MIME,
    VERSION,
    PayloadError,
    RawResult,
    cell_id,
    check_calls,
    check_cell_source,
    grade_calls,
    grade_cell_comment,
    grade_cell_source,
    make_payload,
    parse_payload,
    payload_output,
    payloads_in,
    split_cell_id,
)


def _raws():
    return [RawResult(value=np.arange(3.0)), RawResult(error="raised ValueError: no"),
            RawResult(value={"m": (1, 2.5, float("nan"))}, output="printed", delegated=[], modified=None)]


def _display(payload):
    return {"output_type": "display_data", "data": {MIME: payload}, "metadata": {}}


def test_cell_ids_round_trip():
    for exercise in ("rosenbrock", "sgd_momentum_step_nesterov", "a_grade"):
        for kind in ("solution", "check", "grade"):
            assert split_cell_id(cell_id(exercise, kind)) == (exercise, kind)
    assert split_cell_id("setup") is None and split_cell_id("") is None
    with pytest.raises(ValueError):
        cell_id("rosenbrock", "hidden")


def test_grade_cell_source_is_parsed_back():
    graded = {"sigmoid": "sigmoid", "sigmoid_grad": "sigmoid_grad", "clip_by_norm[inf]": "clip_by_norm"}
    source = grade_cell_source(graded, 7)
    assert source.splitlines()[0] == ("# Hidden tests of `sigmoid`, `sigmoid_grad`, `clip_by_norm` (7 points) "
                                      "run here when your notebook is graded.")
    assert source.splitlines()[1:] == ["### BEGIN HIDDEN TESTS", "from coursegrader.grading import grade",
                                       'grade("sigmoid", sigmoid) + grade("sigmoid_grad", sigmoid_grad) + '
                                       'grade("clip_by_norm[inf]", clip_by_norm)', "### END HIDDEN TESTS"]
    assert dict(grade_calls(source)) == graded
    assert dict(check_calls(check_cell_source(graded))) == graded


def test_an_authors_comment_is_kept_with_the_registry_points():
    comment = "# Hidden tests of `batchnorm_forward`: training and eval mode (8 points)."
    source = grade_cell_source({"batchnorm_forward": "batchnorm_forward"}, 9, comment)
    assert grade_cell_comment(source) == "# Hidden tests of `batchnorm_forward`: training and eval mode (9 points)."
    with pytest.raises(ValueError, match="must say its points"):
        grade_cell_source({"a": "a"}, 1, "# no points here")


def test_grade_call_whose_function_is_not_a_name():
    assert grade_calls('grade("rosenbrock", lambda x: 0)') == [("rosenbrock", None)]
    assert grade_calls("print('no grading here')") == []


def test_payload_round_trip():
    raws = _raws()
    payload = json.loads(json.dumps(make_payload("ex", raws)))  # what crosses the wire is JSON
    back = parse_payload(payload, "ex", 3)
    np.testing.assert_array_equal(back[0].value, raws[0].value)
    assert back[0].value.dtype == np.float64
    assert back[1].error == "raised ValueError: no" and back[1].value is None
    assert back[2].value["m"][:2] == (1, 2.5) and np.isnan(back[2].value["m"][2])
    assert back[2].output == "printed"


def test_payloads_are_found_among_a_cells_outputs():
    outputs = [{"output_type": "stream", "name": "stdout", "text": "report"},
               _display(make_payload("a", [])), _display(json.dumps(make_payload("b", []))),
               _display("{not json"), _display({"exercise": 3}),
               {"output_type": "execute_result", "data": {"text/plain": "2.0"}, "metadata": {}}]
    found = payloads_in(outputs)
    assert sorted(found) == ["a", "b"] and all(len(v) == 1 for v in found.values())


@pytest.mark.parametrize("change, message", [
    (lambda p: p.update(version=VERSION + 1), "version"),
    (lambda p: p.pop("version"), "version"),
    (lambda p: p.update(score=3.0), "unexpected fields"),  # a forged score is refused, never read
    (lambda p: p["cases"][0].update(passed=True), "unexpected fields"),
    (lambda p: p.update(exercise="other"), "not 'ex'"),
    (lambda p: p["cases"].pop(), "2 results for 3 cases"),  # truncated
    (lambda p: p["cases"].append(p["cases"][0]), "4 results for 3 cases"),
    (lambda p: p.update(cases="all passed"), "not a list"),
    (lambda p: p["cases"][0].update(value={"__ndarray__": "AAAA"}), "undecodable"),
    (lambda p: p["cases"][0].update(value={"__pickle__": "x"}), "undecodable"),
    (lambda p: p["cases"][1].update(error=["not", "text"]), "malformed"),
    (lambda p: p["cases"][1].update(delegated="torch"), "malformed"),
])
def test_hostile_payloads_are_refused(change, message):
    payload = json.loads(json.dumps(make_payload("ex", _raws())))
    change(payload)
    with pytest.raises(PayloadError, match=message):
        parse_payload(payload, "ex", 3)


def test_oversized_payload_is_refused():
    payload = make_payload("ex", [RawResult(output="x" * (MAX_PAYLOAD_CHARS + 1))])
    with pytest.raises(PayloadError, match="larger than"):
        parse_payload(payload, "ex", 1)
    huge = _display("{" + " " * (MAX_PAYLOAD_CHARS + 1) + "}")
    assert payloads_in([huge]) == {}


def test_truncated_payload_text_is_not_a_payload():
    text = json.dumps(make_payload("ex", _raws()))
    assert payloads_in([_display(text[: len(text) // 2])]) == {}


def test_payload_output_is_what_the_kernel_displays():
    out = payload_output("ex", _raws())
    assert list(out) == [MIME] and out[MIME]["exercise"] == "ex" and out[MIME]["version"] == VERSION
