"""Spec section 2: an optimizer step never changes the arrays of the state it receives in place
(``buf *= momentum``), rebinding a key is fine. The runner that threads the state from step to step
(coursekit.check.runners.optimizer_steps) sees such a change and both the visible check and the hidden
tests report it the way a changed argument is reported, naming the key.

Before, a step that kept the right values by updating ``state["momentum_buffer"]`` in place passed the
visible and the hidden tests of every optimizer."""
import numpy as np
import pytest

from coursegrader.grading import all_exercises
from coursegrader.grading import evaluate as hidden_evaluate
from coursekit.check.copying import InputChanged
from coursekit.check.runners import optimizer_step
from coursekit.check.visible import evaluate as visible_evaluate
from tools.course import clone

OPTIMIZERS = sorted(ex.name for ex in all_exercises() if tuple(ex.parameters)[:3] == ("params", "grad", "state"))


def in_place(reference):
    """The reference's step written in place: each array of the incoming state takes its new value
    (``buf[...] = momentum * buf + g``) and is handed on; the values stay right."""
    step = clone(reference)  # not the reference itself: calling that is delegating

    def optimizer(params, grad, state, **hyper):
        new_params, new_state = step(params, grad, dict(state), **hyper)
        for key, value in new_state.items():
            old = state.get(key)
            if isinstance(old, np.ndarray) and np.shape(value) == old.shape:
                old[...] = value
                new_state[key] = old
        return new_params, new_state
    return optimizer


def _named(results) -> list[str]:
    return [r.problem for r in results if not r.passed and "in place" in r.problem and "`state['" in r.problem]


def test_every_optimizer_is_listed():
    assert len(OPTIMIZERS) >= 8, OPTIMIZERS


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_changing_the_incoming_states_arrays_is_caught_and_named_by_the_check_and_the_hidden_tests(name):
    from coursegrader.grading import get_exercise

    ex = get_exercise(name)
    visible = visible_evaluate(name, in_place(ex.reference))
    assert _named(visible.results), [r.problem for r in visible.results]
    hidden = hidden_evaluate(name, in_place(ex.reference))
    assert hidden.score < ex.points and _named(hidden.results), [r.problem for r in hidden.results]
    # every case the in-place step fails is failed for that reason, never for its values
    assert all(r.passed or r.problem in _named([r]) for r in hidden.results)
    # the same step, written without changing what it receives, passes
    assert hidden_evaluate(name, clone(ex.reference)).score == ex.points


def test_rebinding_a_key_of_the_incoming_state_is_fine_and_a_changed_array_names_its_key():
    def rebinds(params, grad, state, lr=0.1):
        state["momentum_buffer"] = state.get("momentum_buffer", 0.0) + grad  # a new array under the old key
        return params - lr * state["momentum_buffer"], state

    def scales(params, grad, state, lr=0.1):
        buf = state.setdefault("momentum_buffer", np.zeros_like(params))
        buf *= 0.9
        return params - lr * buf, state

    p, g = np.ones(2), np.array([0.5, -1.0])
    _, state = optimizer_step(rebinds, p, g, {}, 1)
    optimizer_step(rebinds, p, g, state, 2)
    _, state = optimizer_step(scales, p, g, {}, 1)  # the first step receives {}: nothing to change
    with pytest.raises(InputChanged) as err:
        optimizer_step(scales, p, g, {"momentum_buffer": np.ones(2)}, 2)
    assert err.value.name == "state['momentum_buffer']" and "step 2" in str(err.value)
