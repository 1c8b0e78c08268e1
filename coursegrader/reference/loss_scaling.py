"""Lesson 12: dynamic loss scaling: the update rule of ``torch.amp.GradScaler``, as a pure function.

In float16, gradients below about 6e-8 round to 0 (underflow) and values above 65504 become inf
(overflow). Multiplying the loss by a large scale S lifts the gradients out of the underflow range;
they are divided by S again (in float32) before the step. When a scaled gradient overflows, the
step is skipped and S is cut; after ``growth_interval`` clean steps in a row S grows again.
"""
from __future__ import annotations


def grad_scaler_update(state, found_inf, *, init_scale=65536.0, growth_factor=2.0, backoff_factor=0.5,
                       growth_interval=2000):
    """The scale after one step, given whether that step's gradients held an inf or a NaN.

    state: ``{}`` on the first call (the scale is then ``init_scale``, the count of clean steps 0),
      afterwards what the previous call returned (not modified).
    found_inf: truthy when the step's scaled gradients overflowed (the step is skipped).
    A step with ``found_inf`` multiplies the scale by ``backoff_factor`` and resets the count; a
    clean step adds one to the count, and when the count reaches ``growth_interval`` the scale is
    multiplied by ``growth_factor`` and the count reset to 0.
    Returns the new state: ``{"scale": float, "growth_tracker": int}`` (torch's names).

    Equal to ``torch.amp.GradScaler("cpu")``'s ``get_scale()`` after each ``update()`` when the
    factors are powers of two; torch keeps the scale in float32 (other factors round) and skips a
    growth that would overflow float32 (near 3.4e38), which this rule does not model.
    """
    scale = float(state.get("scale", init_scale))
    count = int(state.get("growth_tracker", 0))
    if found_inf:
        return {"scale": scale * backoff_factor, "growth_tracker": 0}
    count += 1
    if count == growth_interval:
        return {"scale": scale * growth_factor, "growth_tracker": 0}
    return {"scale": scale, "growth_tracker": count}
