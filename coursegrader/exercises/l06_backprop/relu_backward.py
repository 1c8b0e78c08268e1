"""relu_backward: hidden cases and catalogued mistakes (graded with the cache of the student's own
relu_forward; the reference's ``x`` when that forward is missing or broken)."""
from __future__ import annotations

from functools import partial

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.layers import relu_backward, relu_forward
from coursekit.check.tasks.l06_backprop import RELU_BACKWARD, relu_pair, rng

from ._shared import relu_x


def hidden_cases():
    cases = []
    for s, shape in enumerate([(4, 5), (3, 2, 2), (10,)], start=110):
        cases.append(Case(f"random dout and x {shape}, some x exactly 0", (rng(s).normal(size=shape), relu_x(s + 1, shape))))
    cases.append(Case("x all zero: relu'(0) = 0 as in torch", (np.array([1.0, -2.0, 3.0]), np.zeros(3))))
    cases.append(Case("negative dout where x > 0: the mask is on x, not on dout",
                      (np.array([-1.0, -2.0, 3.0, -4.0]), np.array([1.0, 2.0, -3.0, 4.0]))))
    return cases


def relu_prime_zero_is_one(dout, cache):
    return dout * (cache >= 0)


def mask_only(dout, cache):
    return (cache > 0).astype(np.float64)


def relu_of_dout(dout, cache):
    return np.maximum(dout, 0.0)


def sign_mask(dout, cache):
    return dout * np.sign(cache)


def times_relu(dout, cache):
    return dout * np.maximum(cache, 0.0)


EXERCISE = Exercise.of(
    RELU_BACKWARD, reference=relu_backward, points=2, hidden=hidden_cases,
    run=partial(relu_pair, reference_forward=relu_forward),
    mistakes=[
        Mistake("relu_prime_zero_is_one", "relu'(0) is 0 in this course (torch's convention): use x > 0, not x >= 0",
                relu_prime_zero_is_one),
        Mistake("mask_only", "the chain rule multiplies the upstream gradient: dx = dout * (x > 0), not the mask alone",
                mask_only),
        Mistake("relu_of_dout", "the mask comes from the forward input x (the cache), not from dout: "
                "dx = dout * (x > 0), not max(dout, 0)", relu_of_dout),
        Mistake("sign_mask", "the mask is (x > 0), 1 or 0; np.sign(x) gives -1 for negative x", sign_mask),
        Mistake("times_relu", "relu'(x) is 1 where x > 0 and 0 elsewhere: dx = dout * (x > 0), not dout * relu(x)",
                times_relu),
    ])
