"""Lesson 01 (gradients): cases and known mistakes."""
from __future__ import annotations

import numpy as np

from coursekit.functions import quadratic, quadratic_grad, rosenbrock, rosenbrock_grad
from coursekit.gradients import central_difference, forward_difference, gradient_check, torch_grad
from coursekit.grading import Case, Exercise, Mistake, register

LESSON = "01_gradients"


def _points(seed, n, scale=2.0, d=2):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-scale, scale, size=d) for _ in range(n)]


def _fmt(x):
    return "(" + ", ".join(f"{v:.3g}" for v in np.ravel(x)) + ")"


# --- rosenbrock ---------------------------------------------------------------------------

def _rb_swapped_ab(x, a=1.0, b=1.0):
    return float((b - x[0]) ** 2 + a * (x[1] - x[0] ** 2) ** 2)


def _rb_ignores_ab(x, a=1.0, b=1.0):
    return float((1.0 - x[0]) ** 2 + (x[1] - x[0] ** 2) ** 2)


def _rb_ignores_b(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + (x[1] - x[0] ** 2) ** 2)


def _rb_b100(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + 100.0 * (x[1] - x[0] ** 2) ** 2)


def _rb_squares_x1(x, a=1.0, b=1.0):
    return float((a - x[0]) ** 2 + b * (x[0] - x[1] ** 2) ** 2)


def _rosenbrock_cases(hidden):
    if not hidden:
        return [Case("x=(2, 2)", (np.array([2.0, 2.0]),)),
                Case("x=(-1.2, 1)", (np.array([-1.2, 1.0]),)),
                Case("x=(0.5, -0.3), a=2, b=100", (np.array([0.5, -0.3]),), {"a": 2.0, "b": 100.0})]
    cases = [Case("x=(1, 1): the minimum", (np.array([1.0, 1.0]),)),
             Case("x=(2, 4), a=2, b=1: the minimum moves to (a, a^2)", (np.array([2.0, 4.0]),), {"a": 2.0}),
             Case("x=(-1.5, 2.5), b=100", (np.array([-1.5, 2.5]),), {"b": 100.0}),
             Case("x=(0.3, 0.7), a=-1, b=0.5", (np.array([0.3, 0.7]),), {"a": -1.0, "b": 0.5}),
             Case("x=(1e3, -1e3), large values", (np.array([1e3, -1e3]),))]
    for i, x in enumerate(_points(101, 5, 3.0)):
        ab = {"a": 1.0 + 0.5 * i, "b": 10.0 ** (i - 2)}
        cases.append(Case(f"random x={_fmt(x)}, a={ab['a']:g}, b={ab['b']:g}", (x,), ab))
    return cases


register(Exercise(
    name="rosenbrock", lesson=LESSON, reference=rosenbrock, points=2,
    visible=lambda: _rosenbrock_cases(False), hidden=lambda: _rosenbrock_cases(True),
    mistakes=[
        Mistake("swapped_ab", "a and b are swapped: a is the target of x1, b weighs the valley term "
                "(a - x1)^2 + b (x2 - x1^2)^2", _rb_swapped_ab),
        Mistake("ignores_b", "the parameter b is ignored: the valley term is b * (x[1] - x[0]**2)**2",
                _rb_ignores_b),
        Mistake("ignores_ab", "the parameters a and b are ignored (the formula always uses a=1, b=1)",
                _rb_ignores_ab),
        Mistake("b100", "b is hard-coded to 100 (the classic Rosenbrock); use the argument b",
                _rb_b100),
        Mistake("squares_x2", "the valley term squares the wrong coordinate: it is (x[1] - x[0]**2)**2, "
                "not (x[0] - x[1]**2)**2", _rb_squares_x1),
    ]))


# --- rosenbrock_grad ----------------------------------------------------------------------

def _rbg_no_chain(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) + 2.0 * b * inner, 2.0 * b * inner])


def _rbg_sign(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, 2.0 * b * inner])


def _rbg_missing_two(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * inner, b * inner])


def _rbg_ignores_b(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (a - x[0]) - 4.0 * x[0] * inner, 2.0 * inner])


def _rbg_ignores_ab(x, a=1.0, b=1.0):
    inner = x[1] - x[0] ** 2
    return np.array([-2.0 * (1.0 - x[0]) - 4.0 * x[0] * inner, 2.0 * inner])


register(Exercise(
    name="rosenbrock_grad", lesson=LESSON, reference=rosenbrock_grad, points=3,
    visible=lambda: _rosenbrock_cases(False), hidden=lambda: _rosenbrock_cases(True),
    mistakes=[
        Mistake("no_chain_rule", "d/dx1 of b (x2 - x1^2)^2 needs the chain rule: "
                "2 b (x2 - x1^2) * (-2 x1), i.e. -4 b x1 (x2 - x1^2)", _rbg_no_chain),
        Mistake("sign_first_term", "sign error: d/dx1 of (a - x1)^2 is -2 (a - x1), not +2 (a - x1)", _rbg_sign),
        Mistake("missing_two", "d/dx2 of b (x2 - x1^2)^2 is 2 b (x2 - x1^2): the factor 2 is missing",
                _rbg_missing_two),
        Mistake("ignores_b", "the parameter b is ignored: both components of the valley term carry the factor b",
                _rbg_ignores_b),
        Mistake("ignores_ab", "the parameters a and b are ignored (the gradient is the one for a=1, b=1)",
                _rbg_ignores_ab),
    ]))


# --- finite differences -------------------------------------------------------------------

def _sinsq(x):
    return float(np.sum(np.sin(x) * x ** 2))


def _logsumexp(x):
    return float(np.log(np.sum(np.exp(x))))


def _rb100(x):
    return rosenbrock(x, b=100.0)


def _fd_cases(hidden, default_eps):
    if not hidden:
        return [Case("f=rosenbrock, x=(2, 2)", (rosenbrock, np.array([2.0, 2.0]))),
                Case("f=sum(sin(x) x^2), x=(0.5, -1, 2)", (_sinsq, np.array([0.5, -1.0, 2.0]))),
                Case("f=rosenbrock, x=(-1, 0.5), eps=1e-2", (rosenbrock, np.array([-1.0, 0.5])), {"eps": 1e-2})]
    rng = np.random.default_rng(7)
    cases = [Case("f=rosenbrock(b=100), x=(-1.2, 1), eps=1e-3", (_rb100, np.array([-1.2, 1.0])), {"eps": 1e-3}),
             Case("f=rosenbrock, x=(2, 2), eps=0.1", (rosenbrock, np.array([2.0, 2.0])), {"eps": 0.1}),
             Case("f=sum(sin(x) x^2), 6 coordinates, eps=1e-2", (_sinsq, rng.normal(size=6)), {"eps": 1e-2}),
             Case("f=log-sum-exp, 4 coordinates, default eps", (_logsumexp, rng.normal(size=4))),
             Case("f=sum(sin(x) x^2), x a (3, 2) matrix, eps=1e-3", (_sinsq, rng.normal(size=(3, 2))), {"eps": 1e-3}),
             Case("f=rosenbrock at its minimum (1, 1), eps=1e-2", (rosenbrock, np.array([1.0, 1.0])), {"eps": 1e-2})]
    for x in _points(11, 2):
        cases.append(Case(f"f=rosenbrock(b=100), random x={_fmt(x)}, eps=1e-4", (_rb100, x), {"eps": 1e-4}))
    return cases


def _forward(f, x, eps, denominator):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x)) / denominator
    return grad


def _central(f, x, eps, denominator):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / denominator
    return grad


def _fwd_two_eps(f, x, eps=1e-6):
    return _forward(f, x, eps, 2 * eps)


def _all_at_once(f, x, eps):
    x = np.asarray(x, dtype=np.float64)
    return np.full(x.shape, (f(x + eps) - f(x)) / eps)


def _fwd_all_at_once(f, x, eps=1e-6):
    return _all_at_once(f, x, eps)


def _fwd_is_central(f, x, eps=1e-6):
    return _central(f, x, eps, 2 * eps)


def _fwd_fixed_eps(f, x, eps=1e-6):
    return _forward(f, x, 1e-6, 1e-6)


FD_TOL = dict(atol=1e-9, rtol=1e-7)  # same formula, different arithmetic order: round-off only

register(Exercise(
    name="forward_difference", lesson=LESSON, reference=forward_difference, points=3,
    visible=lambda: _fd_cases(False, 1e-6), hidden=lambda: _fd_cases(True, 1e-6), **FD_TOL,
    mistakes=[
        Mistake("two_eps", "the forward difference divides by eps, not 2*eps (only the central one halves)",
                _fwd_two_eps),
        Mistake("all_at_once", "every coordinate is nudged at once (x + eps); nudge one coordinate at a time "
                "with x + eps * e_i", _fwd_all_at_once),
        Mistake("is_central", "this is the central difference; the forward one is (f(x + eps e_i) - f(x)) / eps",
                _fwd_is_central),
        Mistake("fixed_eps", "the argument eps is ignored (a fixed step is used)", _fwd_fixed_eps),
    ]))


def _cd_one_eps(f, x, eps=1e-5):
    return _central(f, x, eps, eps)


def _cd_is_forward(f, x, eps=1e-5):
    return _forward(f, x, eps, eps)


def _cd_all_at_once(f, x, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


def _cd_fixed_eps(f, x, eps=1e-5):
    return _central(f, x, 1e-5, 2e-5)


register(Exercise(
    name="central_difference", lesson=LESSON, reference=central_difference, points=3,
    visible=lambda: _fd_cases(False, 1e-5), hidden=lambda: _fd_cases(True, 1e-5), **FD_TOL,
    mistakes=[
        Mistake("one_eps", "divides by eps instead of 2*eps: the two points are 2*eps apart", _cd_one_eps),
        Mistake("is_forward", "this is the forward difference; the central one is "
                "(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)", _cd_is_forward),
        Mistake("all_at_once", "every coordinate is nudged at once (x ± eps); nudge one coordinate at a time",
                _cd_all_at_once),
        Mistake("fixed_eps", "the argument eps is ignored (a fixed step is used)", _cd_fixed_eps),
    ]))


# --- gradient_check -----------------------------------------------------------------------

def _rbg_bug(x):
    return _rbg_no_chain(x)


def _H():
    return np.array([[3.0, 1.0], [1.0, 2.0]])


def _quad(x):
    return quadratic(x, _H())


def _quad_grad(x):
    return quadratic_grad(x, _H())


def _quad_grad_off(x):
    return 1.01 * quadratic_grad(x, _H())


def _sq(x):
    return float(x @ x)


def _sq_grad(x):
    return 2.0 * x


def _gc_cases(hidden):
    noise = dict(atol=1e-7)  # a right gradient: any value below 1e-7 is noise, not a mistake
    if not hidden:
        return [Case("rosenbrock with its right gradient at (2, 2)", (rosenbrock, rosenbrock_grad, np.array([2.0, 2.0])), **noise),
                Case("rosenbrock with a gradient missing the chain rule at (2, 2)", (rosenbrock, _rbg_bug, np.array([2.0, 2.0]))),
                Case("quadratic with a gradient 1% too large at (1, -2), eps=1e-3", (_quad, _quad_grad_off, np.array([1.0, -2.0])), {"eps": 1e-3})]
    cases = [Case("quadratic with its right gradient at (1, -2)", (_quad, _quad_grad, np.array([1.0, -2.0])), **noise),
             Case("x @ x with gradient 2x at x=0: both gradients vanish", (_sq, _sq_grad, np.zeros(3))),
             Case("x @ x with the gradient of another function, eps=1e-2", (_sq, _quad_grad, np.array([0.5, 1.5])), {"eps": 1e-2}),
             Case("rosenbrock with a gradient missing the chain rule at (-1, 0.5), eps=1e-3", (rosenbrock, _rbg_bug, np.array([-1.0, 0.5])), {"eps": 1e-3})]
    for x in _points(23, 3):
        cases.append(Case(f"quadratic with a gradient 1% too large at {_fmt(x)}, eps=0.1", (_quad, _quad_grad_off, x), {"eps": 0.1}))
    return cases


def _gc_absolute(f, grad_f, x, eps=1e-5):
    return float(np.linalg.norm(np.asarray(grad_f(x)) - central_difference(f, x, eps)))


def _gc_only_analytic(f, grad_f, x, eps=1e-5):
    g_a, g_n = np.asarray(grad_f(x)), central_difference(f, x, eps)
    return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a), 1e-12))


def _gc_forward(f, grad_f, x, eps=1e-5):
    g_a, g_n = np.asarray(grad_f(x)), _forward(f, x, eps, eps)
    return float(np.linalg.norm(g_a - g_n) / max(np.linalg.norm(g_a) + np.linalg.norm(g_n), 1e-12))


def _gc_no_floor(f, grad_f, x, eps=1e-5):
    g_a, g_n = np.asarray(grad_f(x)), central_difference(f, x, eps)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.linalg.norm(g_a - g_n) / (np.linalg.norm(g_a) + np.linalg.norm(g_n)))


register(Exercise(
    name="gradient_check", lesson=LESSON, reference=gradient_check, points=3,
    visible=lambda: _gc_cases(False), hidden=lambda: _gc_cases(True), atol=1e-9, rtol=1e-6,
    mistakes=[
        Mistake("absolute", "returns the absolute error norm(g_a - g_n); divide by "
                "max(norm(g_a) + norm(g_n), 1e-12) to make it relative", _gc_absolute),
        Mistake("only_analytic", "divides by norm(g_a) alone; the denominator is norm(g_a) + norm(g_n)",
                _gc_only_analytic),
        Mistake("forward", "uses the forward difference; the check compares with the central difference",
                _gc_forward),
        Mistake("no_floor", "no floor on the denominator: when both gradients are 0 it divides 0 by 0; "
                "use max(..., 1e-12)", _gc_no_floor),
    ]))


# --- torch_grad ---------------------------------------------------------------------------

def _t_rosenbrock(t):
    return (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2


def _t_logsumexp(t):
    import torch
    return torch.logsumexp(t, dim=0)


def _t_matrix(t):
    import torch
    return (torch.tanh(t) ** 2).sum() + t[0, 0] * t[1, 1]


def _t_norm(t):
    return (t * t).sum().sqrt()


def _tg_cases(hidden):
    if not hidden:
        return [Case("f=rosenbrock(b=100) in torch, x=(-1.2, 1)", (_t_rosenbrock, np.array([-1.2, 1.0]))),
                Case("f=logsumexp, x=(0.1, 0.2, 0.3)", (_t_logsumexp, np.array([0.1, 0.2, 0.3])))]
    rng = np.random.default_rng(5)
    cases = [Case("f=sum(tanh(X)^2) + X00 X11, X a (2, 3) matrix", (_t_matrix, rng.normal(size=(2, 3)))),
             Case("f=||x||, x of 5 coordinates", (_t_norm, rng.normal(size=5))),
             Case("f=logsumexp at x=(1e-9, 2e-9): needs float64", (_t_logsumexp, np.array([1e-9, 2e-9]))),
             Case("f=rosenbrock(b=100) at (1, 1): zero gradient", (_t_rosenbrock, np.array([1.0, 1.0])))]
    for x in _points(31, 3, 2.0):
        cases.append(Case(f"f=rosenbrock(b=100), random x={_fmt(x)}", (_t_rosenbrock, x)))
    return cases


def _tg_float32(f, x):
    import torch
    xt = torch.tensor(np.asarray(x), dtype=torch.float32, requires_grad=True)
    f(xt).backward()
    return xt.grad.numpy()


def _tg_tensor(f, x):
    import torch
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f(xt).backward()
    return xt.grad


def _tg_twice(f, x):
    import torch
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = f(xt)
    y.backward(retain_graph=True)
    y.backward()
    return xt.grad.numpy()


register(Exercise(
    name="torch_grad", lesson=LESSON, reference=torch_grad, points=3,
    visible=lambda: _tg_cases(False), hidden=lambda: _tg_cases(True),
    mistakes=[
        Mistake("float32", "the tensor is float32 (torch's default for Python floats); build it with "
                "dtype=torch.float64 so the gradient keeps double precision", _tg_float32),
        Mistake("returns_tensor", "returns a torch tensor; convert with .detach().numpy()", _tg_tensor),
        Mistake("accumulated", "backward() ran twice and .grad accumulated (torch adds into .grad); "
                "call it once, or zero the gradient first", _tg_twice),
    ]))
