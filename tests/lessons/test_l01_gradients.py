"""Lesson 01: references equal torch autograd in float64; correct variants earn full marks."""
import numpy as np
import pytest
import torch

from coursegrader.grading import evaluate
from coursegrader.reference.gradients import central_difference, forward_difference, gradient_check, torch_grad
from coursegrader.reference.rosenbrock import rosenbrock, rosenbrock_grad

rng = np.random.default_rng(0)
POINTS = [np.array([2.0, 2.0]), np.array([-1.2, 1.0]), np.array([1.0, 1.0])] + list(rng.uniform(-3, 3, (5, 2)))


def rosenbrock_torch(t, a=1.0, b=1.0):
    return (a - t[0]) ** 2 + b * (t[1] - t[0] ** 2) ** 2


@pytest.mark.parametrize("a,b", [(1.0, 1.0), (1.0, 100.0), (-0.5, 3.0)])
def test_rosenbrock_and_gradient_equal_torch(a, b):
    for x in POINTS:
        xt = torch.tensor(x, requires_grad=True)
        y = rosenbrock_torch(xt, a, b)
        y.backward()
        assert rosenbrock(x, a, b) == pytest.approx(y.item(), rel=1e-15, abs=0)
        np.testing.assert_allclose(rosenbrock_grad(x, a, b), xt.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_torch_grad_is_float64_autograd():
    f = lambda t: torch.logsumexp(t * t, dim=0)  # noqa: E731
    x = rng.normal(size=(4,))
    g = torch_grad(f, x)
    assert g.dtype == np.float64 and g.shape == x.shape
    xt = torch.tensor(x, requires_grad=True)
    f(xt).backward()
    np.testing.assert_array_equal(g, xt.grad.numpy())


def test_finite_differences_approach_autograd_with_their_orders():
    f_np = lambda v: float(np.sum(np.sin(v) * v ** 2))  # noqa: E731
    f_t = lambda t: (torch.sin(t) * t ** 2).sum()  # noqa: E731
    x = rng.normal(size=5)
    exact = torch_grad(f_t, x)
    e_fwd = [np.abs(forward_difference(f_np, x, h) - exact).max() for h in (1e-2, 1e-3)]
    e_cen = [np.abs(central_difference(f_np, x, h) - exact).max() for h in (1e-2, 1e-3)]
    assert 5 < e_fwd[0] / e_fwd[1] < 20      # O(eps): 10x smaller step, ~10x smaller error
    assert 50 < e_cen[0] / e_cen[1] < 200    # O(eps^2): ~100x
    np.testing.assert_allclose(central_difference(f_np, x), exact, rtol=0, atol=1e-9)


def test_finite_differences_work_for_matrices_and_leave_x_alone():
    X = rng.normal(size=(3, 2))
    before = X.copy()
    g = central_difference(lambda W: float(np.sum(W ** 3)), X)
    np.testing.assert_allclose(g, 3 * X ** 2, atol=1e-8)
    np.testing.assert_array_equal(X, before)


def test_gradient_check_separates_right_from_wrong_gradients():
    x = np.array([0.3, -0.7])
    assert gradient_check(rosenbrock, rosenbrock_grad, x) < 1e-8
    assert gradient_check(rosenbrock, lambda v: 1.1 * rosenbrock_grad(v), x) > 1e-2
    assert gradient_check(lambda v: float(v @ v), lambda v: 2 * v, np.zeros(3)) == 0.0


# --- correct variants written differently earn full marks --------------------------------

def forward_vectorised(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    steps = eps * np.eye(x.size)
    fx = f(x)
    return np.array([(f(x + s.reshape(x.shape)) - fx) / eps for s in steps]).reshape(x.shape)


def central_in_place_on_copy(f, x, eps=1e-5):
    x = np.array(x, dtype=float)       # a private copy: nudging it in place is fine
    g = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f(x.copy())
        x[idx] = old - eps
        down = f(x.copy())
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def rosenbrock_grad_expanded(x, a=1.0, b=1.0):
    x1, x2 = x
    return np.array([2 * x1 - 2 * a + 4 * b * x1 ** 3 - 4 * b * x1 * x2, 2 * b * x2 - 2 * b * x1 ** 2])


def gradient_check_own_helpers(f, grad_f, x, eps=1e-5):
    ga = np.asarray(grad_f(x))
    gn = central_in_place_on_copy(f, x, eps)
    den = np.sqrt(np.sum(ga ** 2)) + np.sqrt(np.sum(gn ** 2))
    return float(np.sqrt(np.sum((ga - gn) ** 2)) / max(den, 1e-12))


def torch_grad_autograd_grad(f, x):
    t = torch.from_numpy(np.array(x, dtype=np.float64)).requires_grad_(True)
    (g,) = torch.autograd.grad(f(t), t)
    return g.numpy()


@pytest.mark.parametrize("name,fn", [
    ("forward_difference", forward_vectorised),
    ("central_difference", central_in_place_on_copy),
    ("rosenbrock_grad", rosenbrock_grad_expanded),
    ("gradient_check", gradient_check_own_helpers),
    ("torch_grad", torch_grad_autograd_grad),
])
def test_correct_variants_earn_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert [r.problem for r in ev.results if not r.passed] == []
    assert ev.score == ev.points


def test_every_claim_of_the_lesson_is_a_whole_sentence_of_its_text():
    """A claim backs a sentence a reader reads, word for word: not a fragment of one."""
    from claimaudit import not_full_sentences, read

    from tools.editions import NOTEBOOKS

    assert not_full_sentences(read(NOTEBOOKS / "01_gradients.ipynb")) == []
