"""coursekit.measure and claims.claim_ratio: a level never reached, a run that blew up or an empty run is
``None``, never a number a claim could pass on (``np.argmax(losses < level)`` gives 0 for all three)."""
import math

import numpy as np
import pytest

from coursekit import claims
from coursekit.measure import first_divergence, ratio, steps_to


def test_steps_to_counts_the_start_as_step_0_and_finds_the_first_hit():
    losses = [10.0, 3.0, 0.5, 2.0, 0.1]
    assert steps_to(losses, 1.0) == 2
    assert steps_to(losses, 10.0) == 0  # already there at the start: a real 0
    assert steps_to(losses, 0.1) == 4  # "reached" includes equality
    assert steps_to(np.array([[5.0, 4.0], [0.5, 0.2]]), 0.6) == 2  # any shape, read in order
    assert steps_to([0.0, 1.0, 5.0], 4.0, below=False) == 2


@pytest.mark.parametrize("run", [[5.0, 4.0, 3.0], [], [5.0, float("nan"), float("nan")], [float("nan")] * 3,
                                 [float("inf"), 1e308]])
def test_steps_to_is_none_when_the_level_is_never_reached(run):
    assert steps_to(run, 1.0) is None
    if run:
        assert np.argmax(np.asarray(run) < 1.0) == 0  # what the old count gave: 0 steps


def test_steps_to_upwards_never_counts_nan():
    assert steps_to([0.0, float("nan"), 3.0], 2.0, below=False) == 2
    assert steps_to([float("nan")], 0.0, below=False) is None


def test_first_divergence_finds_the_first_non_finite_or_huge_value():
    assert first_divergence([1.0, 2.0, 3.0]) is None
    assert first_divergence([1.0, 2.0, float("nan"), 4.0]) == 2
    assert first_divergence([1.0, float("-inf")]) == 1
    assert first_divergence([1.0, -2e6, 3.0]) == 1  # size, both signs
    assert first_divergence([1.0, 50.0], limit=10) == 1
    assert first_divergence([]) is None


@pytest.mark.parametrize("num, den, expected", [(10, 4, 2.5), (0, 3, 0.0), (np.int64(6), np.float64(2), 3.0)])
def test_ratio_of_two_measurements(num, den, expected):
    assert ratio(num, den) == expected and isinstance(ratio(num, den), float)


@pytest.mark.parametrize("num, den", [(None, 3), (3, None), (None, None), (3, 0), (float("nan"), 2), (2, float("inf")),
                                      (float("inf"), 2)])
def test_ratio_is_none_without_two_finite_sides_and_a_non_zero_denominator(num, den):
    assert ratio(num, den) is None


def test_claim_ratio_holds_within_its_bounds():
    c = claims.claim_ratio("Momentum needs at least 4 times fewer steps.", 120, 30, low=4)
    assert c.holds and "120 / 30 = 4" in c.measured and "at least 4" in c.measured and c.values == [120, 30]
    assert claims.claim_ratio("within", 3, 2, low=1, high=2).holds
    assert claims.claim_ratio("at most", 3, 2, high=1.5).holds


@pytest.mark.parametrize("num, den", [(None, 30), (120, None), (120, 0), (float("nan"), 30), (120, 30)])
def test_claim_ratio_never_passes_on_a_run_that_failed_or_a_ratio_out_of_bounds(num, den):
    with pytest.raises(claims.ClaimError) as err:
        claims.claim_ratio("Momentum needs at least 5 times fewer steps.", num, den, low=5)
    assert "Momentum needs at least 5 times fewer steps" in str(err.value)
    if num is None or den is None:
        assert "never" in str(err.value) and "no ratio" in str(err.value)


def test_claim_ratio_needs_a_bound():
    with pytest.raises(ValueError, match="needs a bound"):
        claims.claim_ratio("no bound", 1, 2)


def test_a_claim_built_on_steps_to_cannot_pass_on_a_run_that_never_arrives():
    """The sentinel the helpers exist for: the old count said 0 steps for a run that never got there,
    and "0 < 2 * 35" held."""
    fast_never, slow = [5.0] * 50, list(np.geomspace(5, 1e-4, 50))
    old_fast = int(np.argmax(np.asarray(fast_never) < 1e-3))
    assert old_fast == 0 and old_fast * 2 < int(np.argmax(np.asarray(slow) < 1e-3))  # passed on a sentinel
    with pytest.raises(claims.ClaimError):
        claims.claim_ratio("momentum needs fewer than half the steps", steps_to(slow, 1e-3), steps_to(fast_never, 1e-3),
                           low=2)
    assert math.isfinite(ratio(steps_to(slow, 1e-3), 10))
