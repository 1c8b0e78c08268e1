"""The verdict judges values, not their wrapping (issue 15, spec section 2): containers compare by
value, an optimizer's state may keep its entries under other keys, and each liberty is noted at
no cost; guard rails (float32, ragged or short containers) stay. The naming rule (issue 30) is in
tests/test_naming.py."""
import numpy as np
import pytest

from coursegrader.grading import Case, Exercise, Mistake, evaluate, register, unregister
from coursekit.check.verdict.compare import compare

TOL = dict(atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("received", [[1.0, 2.0, 3.0], (1.0, 2.0, 3.0), [1, 2, 3],
                                      [np.float64(1), np.float64(2), np.float64(3)]])
def test_a_sequence_holding_the_expected_values_passes_with_a_note(received):
    notes = []
    assert compare(np.array([1.0, 2.0, 3.0]), received, **TOL, notes=notes) is None
    assert len(notes) == 1 and "numpy array" in notes[0] and "values are what counts" in notes[0]


def test_nested_lists_read_as_a_matrix():
    notes = []
    assert compare(np.eye(2), [[1.0, 0.0], [0.0, 1.0]], **TOL, notes=notes) is None and notes


@pytest.mark.parametrize("received, why", [([1.0, 2.0], "shape"), ([[1.0], [2.0, 3.0]], "cannot be read"),
                                           (["1", "2", "3"], "cannot be read"), ([1.0, 2.0, 4.0], "differ"),
                                           ([np.float32(1), np.float32(2), np.float32(3)], "float32")])
def test_a_sequence_that_is_not_the_expected_array_is_still_wrong(received, why):
    bad = compare(np.array([1.0, 2.0, 3.0]), received, **TOL, notes=[])
    assert bad is not None and why in bad.describe()


def test_float32_arrays_and_int_arrays_keep_their_treatment():
    assert "float32" in compare(np.ones(2), np.ones(2, dtype=np.float32), **TOL).describe()
    assert "int64" in compare(np.ones(2), np.ones(2, dtype=np.int64), **TOL).describe()


def test_numbers_compare_by_value_whatever_their_wrapping():
    for received in (2, 2.0, np.float64(2.0), np.array(2.0)):
        notes = []
        assert compare(2.0, received, **TOL, notes=notes) is None and notes == []
    assert compare(2.0, 3, **TOL) is not None


def test_an_array_or_list_where_a_tuple_is_expected_passes_by_value():
    expected = (np.ones(2), np.zeros(2))
    notes = []
    assert compare(expected, [np.ones(2), np.zeros(2)], **TOL, notes=notes) is None
    assert compare([1.0, 2.0], np.array([1.0, 2.0]), **TOL, notes=notes) is None and len(notes) == 1
    assert "expected 2 items, got 3" in compare(expected, [np.ones(2)] * 3, **TOL).describe()


def test_a_state_under_other_keys_passes_by_value_with_the_names_noted():
    expected = {"momentum_buffer": np.array([1.0, 2.0])}
    notes = []
    assert compare(expected, {"buf": np.array([1.0, 2.0]), "t": 3}, **TOL, where="state", notes=notes) is None
    assert "your 'buf' holds what torch calls 'momentum_buffer'" in notes[0]
    assert "'t'" in notes[1]
    # a value that is not the expected one under any key is wrong, as before
    bad = compare(expected, {"buf": np.array([1.0, 2.5])}, **TOL)
    assert bad is not None and "expected keys" in bad.describe()
    # same keys: judged key by key (no renaming between them)
    two = {"a": np.array([1.0]), "b": np.array([2.0])}
    assert compare(two, {"a": np.array([2.0]), "b": np.array([1.0])}, **TOL) is not None


# --- through the whole verdict: a throw-away optimizer exercise ----------------------------

def _ref(params, grad, state, *, lr=0.1):
    b = 0.9 * state.get("momentum_buffer", 0.0) + grad
    return params - lr * b, {"momentum_buffer": b}


def _run(fn, case):
    params, grads = case.args
    state, rows = {}, []
    for g in grads:
        params, state = fn(params, g, state, **case.kwargs)
        rows.append(np.array(params, copy=True))
    return np.stack(rows), state


def _wrong_ema(params, grad, state, *, lr=0.1):
    b = 0.9 * state.get("momentum_buffer", 0.0) + 0.1 * grad
    return params - lr * b, {"momentum_buffer": b}


@pytest.fixture
def toy():
    rng = np.random.default_rng(0)
    cases = lambda: [Case(f"case {k}", (np.zeros(3), list(rng.normal(size=(4, 3)))), {"lr": 0.1}) for k in range(3)]
    ex = register(Exercise(name="toy_momentum", lesson="00_test", reference=_ref, points=3, visible=cases,
                           hidden=cases, run=_run, mistakes=[Mistake("ema", "the buffer is an EMA", _wrong_ema)]))
    yield ex
    unregister(ex.name)


def test_a_correct_step_with_its_own_key_gets_full_marks_and_a_note(toy):
    def step(params, grad, state, *, lr=0.1):
        v = 0.9 * state.get("velocity", 0.0) + grad
        return params - lr * v, {"velocity": v}
    ev = evaluate("toy_momentum", step)
    assert ev.score == 3 and any("'velocity' holds what torch calls 'momentum_buffer'" in n for n in ev.notes)
    assert ev.record()["notes"] == ev.notes


def test_a_wrong_step_with_its_own_key_loses_and_is_named(toy):
    def step(params, grad, state, *, lr=0.1):
        v = 0.9 * state.get("v", 0.0) + 0.1 * grad
        return params - lr * v, {"v": v}
    ev = evaluate("toy_momentum", step)
    assert ev.score == 0 and ev.mistakes == ["ema"]
