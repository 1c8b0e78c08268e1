"""Lesson 08 (vanishing gradients, ReLU and relatives, He initialisation): cases and known mistakes.

Ten functions, six graded exercises in the notebook: each activation is graded together with its
derivative (one grade cell ``grade("sigmoid", sigmoid) + grade("sigmoid_grad", sigmoid_grad)``),
then ``he_normal`` and ``layer_grad_norms``.
"""
from __future__ import annotations

import numpy as np

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.activations import (
    elu,
    elu_grad,
    leaky_relu,
    leaky_relu_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
)
from coursegrader.reference.diagnostics import layer_grad_norms
from coursegrader.reference.init import he_normal

LESSON = "08_relu"


def _torch_forbidden(*names):
    import torch
    import torch.nn.functional as F
    table = {"sigmoid": [torch.sigmoid, F.sigmoid, torch.special.expit],
             "relu": [torch.relu, F.relu], "leaky_relu": [F.leaky_relu], "elu": [F.elu],
             "autograd": [torch.autograd.grad, torch.autograd.backward]}
    return [f for name in names for f in table[name]]


# --- cases shared by the activations ----------------------------------------------------------

def _activation_cases(hidden, param=None, values=()):
    """Cases for f(x) or f(x, param=value). ``values``: non-default values of the parameter."""
    if not hidden:
        cases = [Case("x=(-2, -0.5, 0, 0.5, 2)", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
                 Case("x a (2, 3) matrix", (np.array([[-3.0, 1.0, 0.25], [4.0, -0.1, -1.5]]),))]
        if param:
            cases.append(Case(f"x=(-2, -0.5, 0, 0.5, 2), {param}={values[0]:g}",
                              (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),), {param: values[0]}))
        return cases
    rng = np.random.default_rng(800)
    cases = [Case("x=0 exactly (the convention at 0 matters)", (np.array([0.0, -0.0]),)),
             Case("x=(-1e3, 1e3): no overflow, no nan", (np.array([-1e3, 1e3]),)),
             Case("x=(-600, -40, 40, 600): sigmoid(40) rounds to 1 in float64",
                  (np.array([-600.0, -40.0, 40.0, 600.0]),)),
             Case("x=(-1e-12, 1e-12): tiny values on both sides of 0", (np.array([-1e-12, 1e-12]),)),
             Case("x = 101 points from -10 to 10 (0 included)", (np.linspace(-10, 10, 101),)),
             Case("x a (4, 5, 2) array of N(0, 3^2) draws", (rng.normal(0, 3, size=(4, 5, 2)),))]
    for v in values:
        cases.append(Case(f"x = -1e3, -3, -1e-3, 0, 1e-3, 3, 1e3 and {param}={v:g}",
                          (np.array([-1e3, -3.0, -1e-3, 0.0, 1e-3, 3.0, 1e3]),), {param: v}))
    for seed in (801, 802):
        r = np.random.default_rng(seed)
        kw = {param: float(r.uniform(0.05, 2.0))} if param else {}
        extra = f", {param}={kw[param]:.3g}" if param else ""
        cases.append(Case(f"random x (50 values, N(0, 20^2)){extra}", (r.normal(0, 20, size=50),), kw))
    return cases


# --- sigmoid --------------------------------------------------------------------------------

def _sig_naive_exp_x(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x) / (1.0 + np.exp(x))


def _sig_sign(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(x))


def _sig_float32(x):
    x = np.asarray(x, dtype=np.float32)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _sig_tanh(x):
    return np.tanh(np.asarray(x, dtype=np.float64))


register(Exercise(
    name="sigmoid", lesson=LESSON, reference=sigmoid, points=1,
    visible=lambda: _activation_cases(False), hidden=lambda: _activation_cases(True),
    forbidden=_torch_forbidden("sigmoid"),
    mistakes=[
        Mistake("naive_exp_x", "exp(x) / (1 + exp(x)) overflows for large x (inf / inf = nan at x = 1e3); "
                "use exp(-|x|), which is never larger than 1", _sig_naive_exp_x),
        Mistake("sign", "sigmoid(x) = 1 / (1 + exp(-x)): the minus sign is missing (this is sigmoid(-x))",
                _sig_sign),
        Mistake("float32", "computed in float32: keep float64 (np.asarray(x, dtype=np.float64))", _sig_float32),
        Mistake("tanh", "this is tanh; sigmoid(x) = 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2", _sig_tanh),
    ]))


def _sg_s(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sg_returns_s(x):
    return _sg_s(x)


def _sg_naive(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(-x) / (1.0 + np.exp(-x)) ** 2


def _sg_x_not_s(x):
    x = np.asarray(x, dtype=np.float64)
    return x * (1.0 - x)


def _sg_one_minus_s_sq(x):
    s = _sg_s(x)
    return 1.0 - s ** 2


register(Exercise(
    name="sigmoid_grad", lesson=LESSON, reference=sigmoid_grad, points=2,
    visible=lambda: _activation_cases(False), hidden=lambda: _activation_cases(True),
    forbidden=_torch_forbidden("sigmoid", "autograd"),
    mistakes=[
        Mistake("returns_s", "returns sigmoid(x); its derivative is s * (1 - s) with s = sigmoid(x)", _sg_returns_s),
        Mistake("naive_overflow", "exp(-x) / (1 + exp(-x))**2 overflows for x = -1e3 (inf / inf = nan); "
                "compute s = sigmoid(x) stably, then s * (1 - s)", _sg_naive),
        Mistake("x_not_s", "s * (1 - s) uses s = sigmoid(x), not x itself", _sg_x_not_s),
        Mistake("tanh_derivative", "1 - s**2 is the derivative of tanh; sigmoid's is s * (1 - s)",
                _sg_one_minus_s_sq),
    ]))


# --- relu -----------------------------------------------------------------------------------

def _relu_leaky(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x)


def _relu_abs(x):
    return np.abs(np.asarray(x, dtype=np.float64))


def _relu_capped(x):
    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)


register(Exercise(
    name="relu", lesson=LESSON, reference=relu, points=1,
    visible=lambda: _activation_cases(False), hidden=lambda: _activation_cases(True),
    forbidden=_torch_forbidden("relu"),
    mistakes=[
        Mistake("leaky", "negative inputs give 0 in ReLU (a slope of 0.01 there is leaky_relu)", _relu_leaky),
        Mistake("abs", "relu(x) = max(x, 0), not |x|", _relu_abs),
        Mistake("capped", "ReLU is not capped: relu(x) = x for every x > 0", _relu_capped),
    ]))


def _rg_one_at_zero(x):
    return (np.asarray(x, dtype=np.float64) >= 0).astype(np.float64)


def _rg_bool(x):
    return np.asarray(x, dtype=np.float64) > 0


def _rg_returns_relu(x):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0)


register(Exercise(
    name="relu_grad", lesson=LESSON, reference=relu_grad, points=1,
    visible=lambda: _activation_cases(False), hidden=lambda: _activation_cases(True),
    forbidden=_torch_forbidden("relu", "autograd"),
    mistakes=[
        Mistake("one_at_zero", "relu'(0) is 0 in torch (x > 0, not x >= 0)", _rg_one_at_zero),
        Mistake("bool_dtype", "returns a boolean mask; convert it to float64 (.astype(np.float64))", _rg_bool),
        Mistake("returns_relu", "returns relu(x); its derivative is 1 for x > 0 and 0 otherwise",
                _rg_returns_relu),
    ]))


# --- leaky_relu -----------------------------------------------------------------------------

def _lr_fixed_slope(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x)


def _lr_maximum(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, negative_slope * x)


def _lr_positive_side(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, negative_slope * x, x)


def _lr_constant(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, negative_slope)


register(Exercise(
    name="leaky_relu", lesson=LESSON, reference=leaky_relu, points=1,
    visible=lambda: _activation_cases(False, "negative_slope", (0.2,)),
    hidden=lambda: _activation_cases(True, "negative_slope", (0.1, 0.3, 1.5)),
    forbidden=_torch_forbidden("leaky_relu"),
    mistakes=[
        Mistake("fixed_slope", "the argument negative_slope is ignored (0.01 is hard-coded)", _lr_fixed_slope),
        Mistake("maximum", "max(x, slope * x) equals leaky_relu only for slopes <= 1; torch allows any "
                "slope: x for x > 0, slope * x otherwise", _lr_maximum),
        Mistake("positive_side", "the slope multiplies the negative side: x for x > 0, slope * x otherwise",
                _lr_positive_side),
        Mistake("constant", "for x <= 0 the output is slope * x, not the constant slope", _lr_constant),
    ]))


def _lrg_one_at_zero(x, negative_slope=0.01):
    return np.where(np.asarray(x, dtype=np.float64) >= 0, 1.0, negative_slope)


def _lrg_zero_at_zero(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, np.where(x < 0, negative_slope, 0.0))


def _lrg_fixed(x, negative_slope=0.01):
    return np.where(np.asarray(x, dtype=np.float64) > 0, 1.0, 0.01)


def _lrg_times_x(x, negative_slope=0.01):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, negative_slope * x)


register(Exercise(
    name="leaky_relu_grad", lesson=LESSON, reference=leaky_relu_grad, points=1,
    visible=lambda: _activation_cases(False, "negative_slope", (0.2,)),
    hidden=lambda: _activation_cases(True, "negative_slope", (0.1, 0.3, 1.5)),
    forbidden=_torch_forbidden("leaky_relu", "autograd"),
    mistakes=[
        Mistake("one_at_zero", "at x = 0 torch uses the slope: the derivative is 1 only for x > 0",
                _lrg_one_at_zero),
        Mistake("zero_at_zero", "at x = 0 the derivative is the slope (torch's convention), not 0",
                _lrg_zero_at_zero),
        Mistake("fixed_slope", "the argument negative_slope is ignored (0.01 is hard-coded)", _lrg_fixed),
        Mistake("times_x", "the derivative of slope * x is the constant slope, not slope * x", _lrg_times_x),
    ]))


# --- elu ------------------------------------------------------------------------------------

def _elu_masked(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return x * (x > 0) + alpha * (np.exp(x) - 1.0) * (x <= 0)


def _elu_no_minus_one(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)))


def _elu_alpha_ignored(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def _elu_alpha_positive(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, alpha * x, alpha * np.expm1(np.minimum(x, 0.0)))


register(Exercise(
    name="elu", lesson=LESSON, reference=elu, points=1,
    visible=lambda: _activation_cases(False, "alpha", (0.5,)),
    hidden=lambda: _activation_cases(True, "alpha", (0.3, 2.0)),
    forbidden=_torch_forbidden("elu"),
    mistakes=[
        Mistake("masked_overflow", "x * (x > 0) + alpha * (exp(x) - 1) * (x <= 0) gives nan at x = 1e3 "
                "(exp overflows to inf and inf * 0 = nan); select with np.where and only exponentiate "
                "np.minimum(x, 0)", _elu_masked),
        Mistake("no_minus_one", "for x <= 0, elu(x) = alpha * (exp(x) - 1): the - 1 is missing", _elu_no_minus_one),
        Mistake("alpha_ignored", "the argument alpha is ignored", _elu_alpha_ignored),
        Mistake("alpha_positive", "alpha only scales the negative side: elu(x) = x for x > 0", _elu_alpha_positive),
    ]))


def _eg_one_at_zero(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _eg_masked(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return 1.0 * (x > 0) + alpha * np.exp(x) * (x <= 0)


def _eg_returns_elu(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * np.expm1(np.minimum(x, 0.0)))


def _eg_alpha_ignored(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))


register(Exercise(
    name="elu_grad", lesson=LESSON, reference=elu_grad, points=2,
    visible=lambda: _activation_cases(False, "alpha", (0.5,)),
    hidden=lambda: _activation_cases(True, "alpha", (0.3, 2.0)),
    forbidden=_torch_forbidden("elu", "autograd"),
    mistakes=[
        Mistake("one_at_zero", "elu'(0) is alpha in torch (the x <= 0 branch): the derivative is 1 only for x > 0",
                _eg_one_at_zero),
        Mistake("masked_overflow", "multiplying by masks gives nan at x = 1e3 (exp overflows, inf * 0 = nan); "
                "use np.where and exponentiate np.minimum(x, 0)", _eg_masked),
        Mistake("returns_elu", "for x <= 0 the derivative is alpha * exp(x), not alpha * (exp(x) - 1)",
                _eg_returns_elu),
        Mistake("alpha_ignored", "the argument alpha is ignored: the derivative is alpha * exp(x) for x <= 0",
                _eg_alpha_ignored),
    ]))


# --- he_normal ------------------------------------------------------------------------------

STATS_LABEL = "statistics"


def run_he_normal(fn, case):
    """Array cases: the array itself (same rng, same draw). Statistics cases (label starting with
    "statistics"): mean / std_target, std / std_target and the share of |w| < std_target, which
    is 0.683 for a normal distribution and 0.577 for a uniform one of the same std."""
    fan_in, fan_out, rng = case.args
    w = fn(fan_in, fan_out, rng)
    if not case.label.startswith(STATS_LABEL):
        return w
    w = np.asarray(w, dtype=np.float64)
    target = np.sqrt(2.0 / fan_in)
    return {"shape": w.shape, "mean / sqrt(2 / fan_in)": w.mean() / target,
            "std / sqrt(2 / fan_in)": w.std() / target, "share of |w| < sqrt(2 / fan_in)": np.mean(np.abs(w) < target)}


def _he_cases(hidden):
    if not hidden:
        return [Case("fan_in=3, fan_out=2, rng=np.random.default_rng(0)", (3, 2, np.random.default_rng(0))),
                Case("fan_in=1, fan_out=4, rng=np.random.default_rng(1)", (1, 4, np.random.default_rng(1)))]
    # statistics of 100k-200k draws: their sampling error is below 0.005; a wrong std is off by
    # 0.1 to 0.5 and a uniform draw by 0.1 in the share, so atol=0.02 separates them safely
    stats = dict(atol=0.02, rtol=0.0)
    cases = [Case("fan_in=8, fan_out=3, rng=np.random.default_rng(10)", (8, 3, np.random.default_rng(10))),
             Case("fan_in=2, fan_out=64, rng=np.random.default_rng(11)", (2, 64, np.random.default_rng(11))),
             Case("fan_in=1, fan_out=1", (1, 1, np.random.default_rng(12))),
             Case("fan_in=128, fan_out=5, a generator already used once", (128, 5, _used_rng(13)))]
    cases += [Case(f"{STATS_LABEL} of fan_in=400, fan_out=300 (std must be sqrt(2/400), normal)",
                   (400, 300, np.random.default_rng(14)), weight=2, **stats),
              Case(f"{STATS_LABEL} of fan_in=50, fan_out=4000", (50, 4000, np.random.default_rng(15)), weight=2, **stats)]
    return cases


def _used_rng(seed):
    rng = np.random.default_rng(seed)
    rng.normal(size=7)
    return rng


def _he_lecun(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def _he_xavier(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def _he_fan_out(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))


def _he_uniform(fan_in, fan_out, rng):
    bound = np.sqrt(6.0 / fan_in)   # He uniform: the same std, another distribution
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _he_variance(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))


def _he_transposed(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))


register(Exercise(
    name="he_normal", lesson=LESSON, reference=he_normal, points=2,
    visible=lambda: _he_cases(False), hidden=lambda: _he_cases(True), run=run_he_normal,
    mistakes=[
        Mistake("lecun_std", "std sqrt(1 / fan_in) is LeCun's initialisation; He's is sqrt(2 / fan_in) "
                "(the 2 makes up for ReLU zeroing half of its inputs)", _he_lecun),
        Mistake("xavier_std", "std sqrt(2 / (fan_in + fan_out)) is Glorot/Xavier's; He's is sqrt(2 / fan_in)",
                _he_xavier),
        Mistake("fan_out", "He's std uses fan_in (the number of inputs of a unit): sqrt(2 / fan_in)",
                _he_fan_out),
        Mistake("uniform", "draws from a uniform distribution; he_normal draws rng.normal(0, std, size)",
                _he_uniform),
        Mistake("variance_as_std", "rng.normal's scale is the standard deviation sqrt(2 / fan_in), "
                "not the variance 2 / fan_in", _he_variance),
        Mistake("transposed", "the shape is (fan_in, fan_out), for x @ W", _he_transposed),
    ]))


# --- layer_grad_norms -------------------------------------------------------------------------

def _mlp(seed, sizes, act, nested=False):
    import torch
    from torch import nn
    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    if nested:  # blocks of (Linear, activation) inside the model
        blocks = [nn.Sequential(*layers[i:i + 2]) for i in range(0, len(layers) - 1, 2)]
        model = nn.Sequential(*blocks, layers[-1])
    else:
        model = nn.Sequential(*layers)
    return model.double()


def _batch(seed, n, d, kind, k=2):
    import torch
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    if kind == "classes":
        y = torch.randint(0, k, (n,), generator=g)
    elif kind == "binary":
        y = torch.randint(0, 2, (n, 1), generator=g).double()
    else:
        y = torch.randn(n, k, generator=g, dtype=torch.float64)
    return X, y


def run_layer_grad_norms(fn, case):
    """Leave stale gradients in the model (one backward pass on another batch), then call fn."""
    model, X, y, loss_fn = case.args
    loss_fn(model(X.flip(0) * 2.0), y).backward()
    return fn(model, X, y, loss_fn)


def _lgn_cases(hidden):
    from torch import nn
    if not hidden:
        return [Case("3 Linear layers 2-8-8-2 with tanh, cross-entropy, 16 samples",
                     (_mlp(0, [2, 8, 8, 2], nn.Tanh), *_batch(1, 16, 2, "classes"), nn.CrossEntropyLoss())),
                Case("2 Linear layers 3-4-1 with ReLU, MSE, 8 samples",
                     (_mlp(2, [3, 4, 1], nn.ReLU), *_batch(3, 8, 3, "values", 1), nn.MSELoss()))]
    cases = [Case("10 Linear layers of width 16 with sigmoid, cross-entropy, 64 samples",
                  (_mlp(10, [2] + [16] * 9 + [2], nn.Sigmoid), *_batch(11, 64, 2, "classes"), nn.CrossEntropyLoss())),
             Case("5 Linear layers with ReLU, BCEWithLogitsLoss, 32 samples",
                  (_mlp(12, [4, 12, 10, 8, 6, 1], nn.ReLU), *_batch(13, 32, 4, "binary"), nn.BCEWithLogitsLoss())),
             Case("blocks nn.Sequential(Linear, Tanh) nested in the model, MSE",
                  (_mlp(14, [3, 7, 7, 7, 2], nn.Tanh, nested=True), *_batch(15, 20, 3, "values", 2), nn.MSELoss())),
             Case("a single Linear layer 5-3, MSE with sum reduction",
                  (_mlp(16, [5, 3], nn.ReLU), *_batch(17, 10, 5, "values", 3), nn.MSELoss(reduction="sum"))),
             Case("4 Linear layers with ELU, 4 classes, 50 samples",
                  (_mlp(18, [6, 20, 20, 20, 4], nn.ELU), *_batch(19, 50, 6, "classes", 4), nn.CrossEntropyLoss()))]
    return cases


def _lgn_reversed(model, X, y, loss_fn):
    from torch import nn
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)][::-1]


def _lgn_with_bias(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(p.grad.norm()) for p in model.parameters()]


def _lgn_squared(model, X, y, loss_fn):
    from torch import nn
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float((m.weight.grad ** 2).sum()) for m in model.modules() if isinstance(m, nn.Linear)]


def _lgn_no_zero_grad(model, X, y, loss_fn):
    from torch import nn
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]


def _lgn_weight_norms(model, X, y, loss_fn):
    from torch import nn
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.detach().norm()) for m in model.modules() if isinstance(m, nn.Linear)]


def _lgn_top_level(model, X, y, loss_fn):
    from torch import nn
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.children() if isinstance(m, nn.Linear)]


register(Exercise(
    name="layer_grad_norms", lesson=LESSON, reference=layer_grad_norms, points=4,
    visible=lambda: _lgn_cases(False), hidden=lambda: _lgn_cases(True), run=run_layer_grad_norms,
    # a case takes ~0.02 s; torch's thread pool on a machine whose cores are oversubscribed can stall
    # a backward pass for seconds, which must not read as a wrong answer
    time_limit=10.0,
    mistakes=[
        Mistake("output_first", "the list goes input side first: the first nn.Linear of the model comes first",
                _lgn_reversed),
        Mistake("bias_included", "only the weights of the nn.Linear layers count, not their biases",
                _lgn_with_bias),
        Mistake("squared_norm", "the norm is sqrt(sum(g**2)) (weight.grad.norm()), not the squared norm",
                _lgn_squared),
        Mistake("no_zero_grad", "the model already held gradients and backward() adds to .grad: call "
                "model.zero_grad() before the backward pass", _lgn_no_zero_grad),
        Mistake("weight_norms", "the norms of the weights themselves; take the norm of weight.grad",
                _lgn_weight_norms),
        Mistake("top_level_only", "model.children() misses layers nested in blocks; model.modules() visits "
                "every submodule", _lgn_top_level),
    ]))


# --- xavier_normal -------------------------------------------------------------------

from coursegrader.reference.init import xavier_normal  # noqa: E402 (appended block)


def _xavier_forbidden():
    from torch.nn import init
    return [init.xavier_normal_, init.xavier_uniform_]


def run_xavier_normal(fn, case):
    """Array cases: the array itself (same rng, same draw). Statistics cases (label starting with
    "statistics"): mean / target, std / target and the share of |w| < target, with target
    ``gain * sqrt(2 / (fan_in + fan_out))`` (the share is 0.683 for a normal distribution)."""
    w = fn(*case.args, **case.kwargs)
    if not case.label.startswith(STATS_LABEL):
        return w
    fan_in, fan_out = case.args[:2]
    gain = case.kwargs.get("gain", case.args[3] if len(case.args) > 3 else 1.0)
    w = np.asarray(w, dtype=np.float64)
    target = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return {"shape": w.shape, "mean / target std": w.mean() / target, "std / target std": w.std() / target,
            "share of |w| < target std": np.mean(np.abs(w) < target)}


def _xn_cases(hidden):
    if not hidden:
        return [Case("fan_in=3, fan_out=2, rng=np.random.default_rng(0)", (3, 2, np.random.default_rng(0))),
                Case("fan_in=4, fan_out=1, rng=np.random.default_rng(1), gain=5/3 (tanh)",
                     (4, 1, np.random.default_rng(1)), {"gain": 5.0 / 3.0})]
    # statistics of 120k-200k draws: sampling error below 0.005; every wrong std below is off by at
    # least 0.1 (ratio) and a uniform draw by 0.1 in the share, so atol=0.02 separates them safely
    stats = dict(atol=0.02, rtol=0.0)
    return [Case("fan_in=8, fan_out=3, rng=np.random.default_rng(20)", (8, 3, np.random.default_rng(20))),
            Case("fan_in=2, fan_out=64, gain=3 (positional)", (2, 64, np.random.default_rng(21), 3.0)),
            Case("fan_in=1, fan_out=1", (1, 1, np.random.default_rng(22))),
            Case("fan_in=100, fan_out=10, gain=5/3 (tanh's gain), a generator already used",
                 (100, 10, _used_rng(23)), {"gain": 5.0 / 3.0}),
            Case("fan_in=16, fan_out=16, gain=0.7", (16, 16, np.random.default_rng(24)), {"gain": 0.7}),
            Case(f"{STATS_LABEL} of fan_in=400, fan_out=300 (std must be sqrt(2 / 700), normal)",
                 (400, 300, np.random.default_rng(25)), weight=2, **stats),
            Case(f"{STATS_LABEL} of fan_in=30, fan_out=4000, gain=1.2", (30, 4000, np.random.default_rng(26)),
                 {"gain": 1.2}, weight=2, **stats)]


def _xn_fan_in_only(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def _xn_he(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def _xn_no_two(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(1.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def _xn_gain_ignored(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def _xn_gain_inside(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, np.sqrt(2.0 * gain / (fan_in + fan_out)), size=(fan_in, fan_out))


def _xn_variance(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain ** 2 * 2.0 / (fan_in + fan_out), size=(fan_in, fan_out))


def _xn_uniform(fan_in, fan_out, rng, gain=1.0):
    bound = gain * np.sqrt(6.0 / (fan_in + fan_out))  # Xavier uniform: the same std, another distribution
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def _xn_transposed(fan_in, fan_out, rng, gain=1.0):
    return rng.normal(0.0, gain * np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_out, fan_in))


register(Exercise(
    name="xavier_normal", lesson=LESSON, reference=xavier_normal, points=2,
    visible=lambda: _xn_cases(False), hidden=lambda: _xn_cases(True), run=run_xavier_normal,
    forbidden=_xavier_forbidden(),
    mistakes=[
        Mistake("fan_in_only", "std sqrt(1 / fan_in) uses the inputs only (LeCun's); Xavier averages the two "
                "fans: gain * sqrt(2 / (fan_in + fan_out))", _xn_fan_in_only),
        Mistake("he_std", "std sqrt(2 / fan_in) is He's (for ReLU); Xavier's is gain * sqrt(2 / (fan_in + fan_out))",
                _xn_he),
        Mistake("missing_two", "the variance is 2 / (fan_in + fan_out), one over the mean of the two fans: "
                "the 2 is missing", _xn_no_two),
        Mistake("gain_ignored", "gain multiplies the standard deviation: gain * sqrt(2 / (fan_in + fan_out))",
                _xn_gain_ignored),
        Mistake("gain_inside_sqrt", "gain multiplies the standard deviation, outside the square root "
                "(torch: std = gain * sqrt(2 / (fan_in + fan_out)))", _xn_gain_inside),
        Mistake("variance_as_std", "rng.normal's scale is the standard deviation gain * sqrt(2 / (fan_in + "
                "fan_out)), not the variance", _xn_variance),
        Mistake("uniform", "draws from a uniform distribution (that is xavier_uniform_); xavier_normal draws "
                "rng.normal(0, std, size)", _xn_uniform),
        Mistake("transposed", "the shape is (fan_in, fan_out), for x @ W", _xn_transposed),
    ]))
