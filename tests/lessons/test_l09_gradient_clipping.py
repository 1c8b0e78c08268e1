"""Lesson 09: clip_by_value / clip_by_norm against torch.nn.utils in float64, and correct variants."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate
from coursegrader.reference.clipping import clip_by_norm, clip_by_value

from helpers import clone

ATOL, RTOL = 1e-10, 1e-8
INF = float("inf")


def _grads(seed, scale=1.0, shapes=((3, 4), (4,), (2, 3, 2))):
    rng = np.random.default_rng(seed)
    return [scale * rng.normal(size=s) for s in shapes]


def _torch_params(grads):
    params = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        p.grad = torch.tensor(g, dtype=torch.float64)
        params.append(p)
    return params


def _torch_clip_norm(grads, max_norm, norm_type=2.0):
    params = _torch_params(grads)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return [p.grad.numpy() for p in params], float(total)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, INF, 3.0, 0.5])
@pytest.mark.parametrize("max_norm", [1e-3, 0.5, 5.0, 1e3])
@pytest.mark.parametrize("seed", [0, 1])
def test_clip_by_norm_matches_torch(norm_type, max_norm, seed):
    grads = _grads(seed, scale=2.0)
    originals = [g.copy() for g in grads]
    clipped, total = clip_by_norm(grads, max_norm, norm_type)
    want, want_total = _torch_clip_norm(grads, max_norm, norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(want_total, rel=RTOL, abs=ATOL)
    assert len(clipped) == len(want)
    for c, w, g, o in zip(clipped, want, grads, originals):
        assert c.dtype == np.float64 and c.shape == w.shape
        np.testing.assert_allclose(c, w, atol=ATOL, rtol=RTOL)
        np.testing.assert_array_equal(g, o)  # the input is untouched
        assert c is not g


@pytest.mark.parametrize("norm_type", [2.0, 1.0, INF])
def test_zero_gradients_stay_zero(norm_type):
    grads = [np.zeros((3, 2)), np.zeros(4)]
    clipped, total = clip_by_norm(grads, 1.0, norm_type)
    want, want_total = _torch_clip_norm(grads, 1.0, norm_type)
    assert total == want_total == 0.0
    for c, w in zip(clipped, want):
        np.testing.assert_array_equal(c, w)
        np.testing.assert_array_equal(c, 0.0)


@pytest.mark.parametrize("norm_type, grads, max_norm", [
    (2.0, [np.array([3.0, 0.0]), np.array([[4.0]])], 5.0),
    (1.0, [np.array([1.0, -2.0]), np.array([[3.0]])], 6.0),
    (INF, [np.array([1.0, -6.0]), np.array([[3.0]])], 6.0),
])
def test_norm_exactly_at_max_norm_is_still_scaled(norm_type, grads, max_norm):
    clipped, total = clip_by_norm(grads, max_norm, norm_type)
    want, want_total = _torch_clip_norm(grads, max_norm, norm_type)
    assert total == want_total == max_norm
    factor = max_norm / (max_norm + 1e-6)
    assert factor < 1.0
    for c, w, g in zip(clipped, want, grads):
        np.testing.assert_allclose(c, w, atol=ATOL, rtol=RTOL)
        np.testing.assert_allclose(c, g * factor, atol=0, rtol=1e-15)


def test_below_max_norm_unchanged_and_direction_kept():
    grads = _grads(3)
    clipped, total = clip_by_norm(grads, 10 * sum(np.linalg.norm(g) for g in grads))
    for c, g in zip(clipped, grads):
        np.testing.assert_array_equal(c, g)
    clipped, total = clip_by_norm(grads, 0.1)
    ratios = np.concatenate([(c / g).ravel() for c, g in zip(clipped, grads)])
    np.testing.assert_allclose(ratios, 0.1 / (total + 1e-6), rtol=1e-14)
    after = math.sqrt(sum(float(np.sum(c ** 2)) for c in clipped))
    assert after == pytest.approx(0.1, rel=1e-5)


def test_empty_list():
    assert clip_by_norm([], 1.0) == ([], 0.0)
    assert float(torch.nn.utils.clip_grad_norm_([], 1.0)) == 0.0
    assert clip_by_value([], 1.0) == []


@pytest.mark.parametrize("clip_value", [1e-3, 0.3, 2.0, 100.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clip_by_value_matches_torch(clip_value, seed):
    grads = _grads(seed, scale=3.0)
    originals = [g.copy() for g in grads]
    params = _torch_params(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    clipped = clip_by_value(grads, clip_value)
    for c, p, g, o in zip(clipped, params, grads, originals):
        assert c.dtype == np.float64
        np.testing.assert_array_equal(c, p.grad.numpy())
        np.testing.assert_array_equal(g, o)
        assert np.abs(c).max() <= clip_value


# --- correct variants written differently get full marks ------------------------------------

def value_loops(grads, clip_value):
    out = []
    for g in grads:
        flat = np.array(g, dtype=np.float64).ravel()
        for i in range(flat.size):
            if flat[i] > clip_value:
                flat[i] = clip_value
            elif flat[i] < -clip_value:
                flat[i] = -clip_value
        out.append(flat.reshape(np.shape(g)))
    return out


def value_in_place_on_copy(grads, clip_value):
    out = [g.copy() for g in grads]
    for g in out:
        np.minimum(g, clip_value, out=g)
        np.maximum(g, -clip_value, out=g)
    return out


def norm_vectorised(grads, max_norm, norm_type=2.0):
    if not grads:
        return [], 0.0
    flat = np.concatenate([np.ravel(g) for g in grads])
    p = float(norm_type)
    total = float(np.max(np.abs(flat))) if p == INF else float(np.sum(np.abs(flat) ** p) ** (1 / p))
    coef = min(max_norm / (total + 1e-6), 1.0)
    return [g * coef for g in grads], total


def norm_loops_in_place(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    total = 0.0
    for g in grads:
        for v in np.ravel(g):
            total = max(total, abs(v)) if math.isinf(p) else total + abs(v) ** p
    if not math.isinf(p):
        total = total ** (1 / p)
    out = [g.copy() for g in grads]
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in out:
            g *= coef
    return out, total


@pytest.mark.parametrize("name, fn", [
    ("clip_by_value", value_loops), ("clip_by_value", value_in_place_on_copy),
    ("clip_by_norm", norm_vectorised), ("clip_by_norm", norm_loops_in_place),
    ("clip_by_norm[inf]", norm_vectorised), ("clip_by_norm[inf]", norm_loops_in_place),
    ("clip_by_norm", clone(clip_by_norm)), ("clip_by_norm[inf]", clone(clip_by_norm)),
    ("clip_by_value", clone(clip_by_value)),
])
def test_correct_variants_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]
    assert all(r.passed for r in evaluate(name, fn, hidden=False).results)


def test_a_two_norm_only_function_fails_the_norm_type_exercise():
    def two_norm_only(grads, max_norm, norm_type=2.0):
        return norm_vectorised(grads, max_norm, 2.0)
    assert evaluate("clip_by_norm", two_norm_only).score == 5
    ev = evaluate("clip_by_norm[inf]", two_norm_only)
    assert ev.score < 1.0 and "ignores_norm_type" in ev.mistakes


def test_delegating_to_torch_earns_nothing():
    def via_torch(grads, max_norm, norm_type=2.0):
        params = _torch_params(grads)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        return [p.grad.numpy().copy() for p in params], float(total)

    def via_torch_value(grads, clip_value):
        params = _torch_params(grads)
        torch.nn.utils.clip_grad_value_(params, clip_value)
        return [p.grad.numpy().copy() for p in params]

    for name, fn in [("clip_by_norm", via_torch), ("clip_by_norm[inf]", via_torch), ("clip_by_value", via_torch_value)]:
        ev = evaluate(name, fn)
        assert ev.score == 0.0 and ev.delegated, name
