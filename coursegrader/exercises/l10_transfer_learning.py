"""Lesson 10 (transfer learning): cases and known mistakes.

The three functions return torch modules, so they are checked by behaviour: each ``run`` turns
the returned model into plain facts (layer types and shapes, ``requires_grad`` flags, whether
parameters are copies of the pretrained ones, what one training step changes, ...) and those
facts are compared with the reference's.
"""
from __future__ import annotations

import copy
import sys

import numpy as np
import torch
from torch import nn

from coursegrader.grading import Case, Exercise, Mistake, register
from coursegrader.reference.transfer import freeze, greedy_layerwise_pretrain, transfer_model
from coursekit.datasets import blobs
from coursekit.transfer import leaves

LESSON = "10_transfer_learning"

# The first optimizer step of a process imports most of torch._dynamo (seconds on a busy machine),
# and the first calls under the harness's profiler are slower still. ``_warm_up`` pays both once,
# on the reference's call (which the harness makes before the student's). The per-case time limit
# is a guard against runaway loops, not the budget: 10 s leaves room for a loaded machine.
TIME_LIMIT = 10.0
_warm = False


class _OneThread:
    """Tiny models gain nothing from threads, and on a busy machine two threads wait for each other."""

    def __enter__(self):
        self.n = torch.get_num_threads()
        if self.n != 1:
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        if self.n != 1:
            torch.set_num_threads(self.n)


def _warm_up():
    global _warm
    if _warm:
        return
    _warm = True
    previous = sys.getprofile()
    for profile in (None, lambda frame, event, arg: None):
        sys.setprofile(profile)
        try:
            for opt_cls in (torch.optim.Adam, torch.optim.SGD):
                m = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 2))
                opt = opt_cls(m.parameters(), lr=0.1)
                for _ in range(2):
                    loss = nn.functional.cross_entropy(m(torch.zeros(4, 3)), torch.zeros(4, dtype=torch.long))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
        finally:
            sys.setprofile(previous)


def _net(sizes, seed, act=nn.ReLU):
    torch.manual_seed(seed)
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            mods.append(act())
    return nn.Sequential(*mods)


def _same_values(a, b):
    return a.shape == b.shape and bool(torch.equal(a.detach(), b.detach()))


def _ptrs(module):
    return {p.data_ptr() for p in module.parameters()}


# --- freeze -------------------------------------------------------------------------------

class _Scaled(nn.Module):
    """A custom module with a parameter of its own and a child: freezing must be recursive."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(7)
        self.scale = nn.Parameter(torch.tensor([1.5]))
        self.inner = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

    def forward(self, x):
        return self.scale * self.inner(x)


def _freeze_cases(hidden):
    if not hidden:
        return [Case("Sequential(Linear(4, 6), ReLU(), Linear(6, 3))", (_net([4, 6, 3], 0),)),
                Case("a single Linear(3, 2)", (_net([3, 2], 1),))]
    nested = nn.Sequential(nn.Sequential(nn.Linear(5, 4), nn.ReLU()), nn.Sequential(nn.Linear(4, 4), nn.ReLU()),
                           nn.Linear(4, 2))
    half = _net([4, 5, 5, 2], 3)
    freeze(half[0])
    return [Case("Sequential of 3 Linear layers with Tanh", (_net([3, 8, 8, 2], 2, nn.Tanh),)),
            Case("nested Sequential(Sequential(Linear, ReLU), Sequential(Linear, ReLU), Linear)", (nested,)),
            Case("Sequential(Linear, BatchNorm1d, ReLU, Linear)",
                 (nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1)),)),
            Case("a custom nn.Module with its own parameter and a child Sequential", (_Scaled(),)),
            Case("a Sequential whose first layer is frozen already", (half,)),
            Case("Linear(6, 1) without bias", (nn.Linear(6, 1, bias=False),))]


def _run_freeze(fn, case):
    module = case.args[0]
    before = {n: p.detach().clone() for n, p in module.named_parameters()}
    out = fn(module)
    return {"returns the module it was given": out is module,
            "requires_grad of each parameter": {n: bool(p.requires_grad) for n, p in module.named_parameters()},
            "parameter values unchanged": all(torch.equal(before[n], p.detach())
                                              for n, p in module.named_parameters())}


def _fr_weights_only(module):
    for name, p in module.named_parameters():
        if name.endswith("weight"):
            p.requires_grad_(False)
    return module


def _fr_nothing(module):
    module.eval()
    for p in module.parameters():
        p.data.requires_grad = False  # .data is a detached view: the parameter itself keeps requires_grad
    return module


def _fr_copy(module):
    m = copy.deepcopy(module)
    for p in m.parameters():
        p.requires_grad = False
    return m


def _fr_none(module):
    for p in module.parameters():
        p.requires_grad = False


register(Exercise(
    name="freeze", lesson=LESSON, reference=freeze, points=2, run=_run_freeze, frozen_inputs=False,
    time_limit=TIME_LIMIT,
    visible=lambda: _freeze_cases(False), hidden=lambda: _freeze_cases(True),
    mistakes=[
        Mistake("weights_only", "only the weights are frozen: the biases still require grad; freeze every "
                "parameter of module.parameters()", _fr_weights_only),
        Mistake("nothing_frozen", "no parameter was frozen: module.eval() only changes dropout/batch-norm, and "
                "p.data.requires_grad = False changes a detached view; set p.requires_grad_(False) for every "
                "p in module.parameters()", _fr_nothing),
        Mistake("returns_copy", "a frozen COPY is returned and the module given stays trainable; freeze the "
                "module in place and return it", _fr_copy),
        Mistake("returns_none", "the module is frozen but not returned (the function returns None); end with "
                "`return module`", _fr_none),
    ]))


# --- transfer_model -------------------------------------------------------------------------

_G_SEED = 1234


def _run_transfer(fn, case):
    with _OneThread():
        return _transfer_facts(fn, case)


def _transfer_facts(fn, case):
    _warm_up()
    pretrained, n_reuse, n_outputs = case.args
    pre_params = list(pretrained.parameters())
    pre_before = [p.detach().clone() for p in pre_params]
    pre_flags = [p.requires_grad for p in pre_params]
    pre_linears = [m for m in leaves(pretrained) if isinstance(m, nn.Linear)]
    d_in = pre_linears[0].in_features
    torch.manual_seed(0)
    model = fn(pretrained, n_reuse, n_outputs, **case.kwargs)
    if not isinstance(model, nn.Module):
        raise TypeError(f"transfer_model must return an nn.Sequential, got {type(model).__name__}")
    mods = leaves(model)
    linears = [m for m in mods if isinstance(m, nn.Linear)]
    reused, head = linears[:-1], linears[-1]
    pre_ptrs = _ptrs(pretrained)
    facts = {
        "layers": [type(m).__name__ for m in mods],
        "(in, out) of each Linear": [(m.in_features, m.out_features) for m in linears],
        "each Linear trainable": [all(p.requires_grad for p in m.parameters()) for m in linears],
        "reused Linear equal to pretrained's": [
            i < len(pre_linears) and _same_values(m.weight, pre_linears[i].weight)
            and _same_values(m.bias, pre_linears[i].bias) for i, m in enumerate(reused)],
        "reused Linear is a copy (shares no memory with pretrained)": [not (_ptrs(m) & pre_ptrs) for m in reused],
        "output layer is new": not (_ptrs(head) & pre_ptrs) and not any(
            _same_values(head.weight, p.weight) for p in pre_linears),
    }
    gen = torch.Generator().manual_seed(_G_SEED)
    X = torch.randn(6, d_in, generator=gen)
    target = torch.randn(6, n_outputs, generator=gen)
    with torch.no_grad():
        h = X
        for m in mods[:-1]:
            h = m(h)
    facts["features fed to the output layer (6 fixed inputs)"] = h.double().numpy()
    trainable = [p for p in model.parameters() if p.requires_grad]
    before = [[p.detach().clone() for p in m.parameters()] for m in linears]
    if trainable:
        opt = torch.optim.SGD(trainable, lr=0.1)
        loss = ((model(X) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    facts["each Linear changed by one SGD step"] = [
        any(not torch.equal(b, p.detach()) for b, p in zip(bs, m.parameters())) for bs, m in zip(before, linears)]
    facts["pretrained unchanged (values and requires_grad)"] = (
        all(torch.equal(b, p.detach()) for b, p in zip(pre_before, pre_params))
        and pre_flags == [p.requires_grad for p in pre_params])
    return facts


def _transfer_cases(hidden):
    if not hidden:
        return [Case("pretrained 4-8-6-3 (ReLU), n_reuse=2, n_outputs=5", (_net([4, 8, 6, 3], 0), 2, 5)),
                Case("pretrained 4-8-6-3 (ReLU), n_reuse=1, n_outputs=2, fine_tune=True",
                     (_net([4, 8, 6, 3], 0), 1, 2), {"fine_tune": True})]
    return [Case("pretrained 5-7-6-4-3 (Tanh), n_reuse=2, n_outputs=4", (_net([5, 7, 6, 4, 3], 1, nn.Tanh), 2, 4)),
            Case("pretrained 5-7-6-4-3 (Tanh), n_reuse=3, n_outputs=2", (_net([5, 7, 6, 4, 3], 2, nn.Tanh), 3, 2)),
            Case("pretrained 5-7-6-4-3 (ReLU), n_reuse=3, n_outputs=3, fine_tune=True",
                 (_net([5, 7, 6, 4, 3], 3), 3, 3), {"fine_tune": True}),
            Case("pretrained 3-9-9-2 (LeakyReLU), n_reuse=2, n_outputs=6, fine_tune=True",
                 (_net([3, 9, 9, 2], 4, nn.LeakyReLU), 2, 6), {"fine_tune": True}),
            Case("pretrained 3-9-9-2 (Sigmoid), n_reuse=2, n_outputs=1, fine_tune=False",
                 (_net([3, 9, 9, 2], 5, nn.Sigmoid), 2, 1), {"fine_tune": False}),
            Case("pretrained 6-5-4 (ReLU), n_reuse=1, n_outputs=3", (_net([6, 5, 4], 6), 1, 3)),
            Case("pretrained 4-6-3 (ReLU), n_reuse=2 (every layer, the old output too), n_outputs=2",
                 (_net([4, 6, 3], 7), 2, 2), weight=0.5)]


def _tm_parts(pretrained, n_reuse):
    kept, seen = [], 0
    for m in pretrained:
        if isinstance(m, nn.Linear):
            if seen == n_reuse:
                break
            seen += 1
        kept.append(m)
    return kept


def _tm_head(body, n_outputs):
    last = [m for m in body if isinstance(m, nn.Linear)][-1]
    return nn.Linear(last.out_features, n_outputs)


def _tm_head_frozen(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(_tm_parts(pretrained, n_reuse))
    model = nn.Sequential(*body, _tm_head(body, n_outputs))
    if not fine_tune:
        for p in model.parameters():
            p.requires_grad_(False)
    return model


def _tm_shared(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = _tm_parts(pretrained, n_reuse)
    if not fine_tune:
        for m in body:
            for p in m.parameters():
                p.requires_grad_(False)
    return nn.Sequential(*body, _tm_head(body, n_outputs))


def _tm_no_activations(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = [copy.deepcopy(m) for m in pretrained if isinstance(m, nn.Linear)][:n_reuse]
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _tm_head(body, n_outputs))


def _tm_last_act_dropped(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(_tm_parts(pretrained, n_reuse))
    while not isinstance(body[-1], nn.Linear):
        body.pop()
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _tm_head(body, n_outputs))


def _tm_counts_modules(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(list(pretrained)[:n_reuse])
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _tm_head(body, n_outputs))


def _tm_fine_tune_ignored(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(_tm_parts(pretrained, n_reuse))
    for m in body:
        m.requires_grad_(False)
    return nn.Sequential(*body, _tm_head(body, n_outputs))


def _tm_on_top(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(list(pretrained))
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _tm_head(body, n_outputs))


register(Exercise(
    name="transfer_model", lesson=LESSON, reference=transfer_model, points=5, run=_run_transfer,
    time_limit=TIME_LIMIT,
    visible=lambda: _transfer_cases(False), hidden=lambda: _transfer_cases(True),
    mistakes=[
        Mistake("fine_tune_ignored", "fine_tune is ignored: the reused layers are always frozen; with "
                "fine_tune=True they are only the starting point and keep training", _tm_fine_tune_ignored),
        Mistake("head_frozen", "the new output layer is frozen too, so nothing can learn; freeze the reused "
                "layers only (freeze before you add the head), the head always trains", _tm_head_frozen),
        Mistake("shared", "the reused layers are the pretrained model's own modules, not copies: freezing or "
                "training them changes `pretrained`; copy them (copy.deepcopy)", _tm_shared),
        Mistake("no_activations", "the activations are dropped: only the nn.Linear modules were kept, so the "
                "reused layers collapse to one linear map; keep the activation after each reused layer",
                _tm_no_activations),
        Mistake("last_activation_dropped", "the activation after the last reused nn.Linear is missing: cut "
                "just before the (n_reuse + 1)-th nn.Linear, not right after the n_reuse-th", _tm_last_act_dropped),
        Mistake("counts_modules", "n_reuse counts modules (pretrained[:n_reuse]) instead of nn.Linear layers: "
                "activations are modules too", _tm_counts_modules),
        Mistake("on_top", "the new layer is put on top of the WHOLE pretrained network; keep only its first "
                "n_reuse nn.Linear layers (the old output layer is replaced, not extended)", _tm_on_top),
    ]))


# --- greedy_layerwise_pretrain ----------------------------------------------------------------

def _run_greedy(fn, case):
    with _OneThread():
        return _greedy_facts(fn, case)


def _greedy_facts(fn, case):
    _warm_up()
    history = []  # (module, weight, bias) at every forward call of an nn.Linear during fn

    def hook(module, inputs):
        if isinstance(module, nn.Linear):
            history.append((module, module.weight.detach().clone(),
                            None if module.bias is None else module.bias.detach().clone()))

    handle = nn.modules.module.register_module_forward_pre_hook(hook)
    try:
        model = fn(*case.args, **case.kwargs)
    finally:
        handle.remove()
    if not isinstance(model, nn.Module):
        raise TypeError(f"greedy_layerwise_pretrain must return an nn.Sequential, got {type(model).__name__}")
    mods = leaves(model)
    linears = [m for m in mods if isinstance(m, nn.Linear)]
    hidden, head = linears[:-1], linears[-1]

    def calls(m):
        return [i for i, (mod, _, _) in enumerate(history) if mod is m]

    def params_at(i):
        return history[i][1], history[i][2]

    def same(a, b):
        return all((x is None and y is None) or (x is not None and y is not None and torch.equal(x, y))
                   for x, y in zip(a, b))

    def now(m):
        return m.weight.detach(), None if m.bias is None else m.bias.detach()

    first = [calls(m)[0] if calls(m) else None for m in hidden]
    trained, frozen = [], []
    for k, m in enumerate(hidden):
        mine = calls(m)
        if not mine:
            trained.append(False)
            if k < len(hidden) - 1:
                frozen.append(False)
            continue
        if k < len(hidden) - 1 and first[k + 1] is not None:
            before_next = [i for i in mine if i < first[k + 1]]
            end_of_stage = params_at(before_next[-1]) if before_next else params_at(mine[0])
            trained.append(not same(params_at(mine[0]), end_of_stage))
            frozen.append(same(end_of_stage, now(m)))
        else:
            trained.append(not same(params_at(mine[0]), now(m)))
            if k < len(hidden) - 1:
                frozen.append(False)
    head_calls = [i for i in calls(head) if hidden and first[-1] is not None and i >= first[-1]]
    return {
        "layers": [type(m).__name__ for m in mods],
        "(in, out) of each Linear": [(m.in_features, m.out_features) for m in linears],
        "each hidden layer trained in its own stage": trained,
        "each hidden layer unchanged once the next one is added": frozen,
        "output layer trained in the last stage": bool(head_calls) and not same(params_at(head_calls[0]), now(head)),
    }


def _greedy_data(seed, n=60, centers=3, d=4):
    X, y = blobs(n=n, centers=centers, d=d, spread=0.4, seed=seed)
    return X, y


def _greedy_cases(hidden):
    if not hidden:
        X, y = _greedy_data(0)
        return [Case("blobs 60x4, 3 classes, n_layers=2, hidden=6, epochs=4, seed=0", (X, y, 2, 6, 4, 0))]
    cases = []
    for i, (n_layers, width, epochs, centers, d) in enumerate([(3, 5, 3, 4, 3), (2, 8, 4, 3, 5),
                                                              (4, 6, 2, 3, 4), (3, 7, 3, 2, 6),
                                                              (1, 5, 5, 3, 4)]):
        X, y = _greedy_data(10 + i, centers=centers, d=d)
        cases.append(Case(f"blobs 60x{d}, {centers} classes, n_layers={n_layers}, hidden={width}, "
                          f"epochs={epochs}, seed={i + 1}", (X, y, n_layers, width, epochs, i + 1)))
    return cases


def _gl_train(model, X, y, epochs, params=None):
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
    params = [p for p in (params if params is not None else model.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-2)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()


def _gl_not_frozen(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body = []
    for k in range(n_layers):
        body += [nn.Linear(d if k == 0 else hidden, hidden), nn.ReLU()]
        model = nn.Sequential(*body, nn.Linear(hidden, k_out))
        _gl_train(model, X, y, epochs)
    return model


def _gl_head_kept_fixed(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body, head = [], None
    for k in range(n_layers):
        for m in body:
            m.requires_grad_(False)
        new = nn.Linear(d if k == 0 else hidden, hidden)
        body += [new, nn.ReLU()]
        if head is None:
            head = nn.Linear(hidden, k_out)
            trainable = list(new.parameters()) + list(head.parameters())
        else:
            trainable = list(new.parameters())
        model = nn.Sequential(*body, head)
        _gl_train(model, X, y, epochs, trainable)
    return model


def _gl_joint(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body = []
    for k in range(n_layers):
        body += [nn.Linear(d if k == 0 else hidden, hidden), nn.ReLU()]
    model = nn.Sequential(*body, nn.Linear(hidden, k_out))
    _gl_train(model, X, y, epochs * n_layers)
    return model


def _gl_no_relu(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body = []
    for k in range(n_layers):
        for m in body:
            m.requires_grad_(False)
        body.append(nn.Linear(d if k == 0 else hidden, hidden))
        model = nn.Sequential(*body, nn.Linear(hidden, k_out))
        _gl_train(model, X, y, epochs)
    return model


register(Exercise(
    name="greedy_layerwise_pretrain", lesson=LESSON, reference=greedy_layerwise_pretrain, points=5,
    run=_run_greedy, visible=lambda: _greedy_cases(False), hidden=lambda: _greedy_cases(True),
    time_limit=TIME_LIMIT,
    mistakes=[
        Mistake("not_frozen", "the earlier hidden layers keep training in later stages; freeze them before "
                "you add the next layer (only the new layer and the output layer train)", _gl_not_frozen),
        Mistake("head_kept_fixed", "the output layer is not retrained: each stage needs a new output layer on "
                "top of the new hidden layer (or at least retrain the old one) together with the new layer",
                _gl_head_kept_fixed),
        Mistake("joint", "all layers are built at once and trained together: that is ordinary end-to-end "
                "training; add ONE hidden layer per stage and train it before adding the next", _gl_joint),
        Mistake("no_relu", "there is no ReLU after the hidden layers: a stack of Linear layers is a single "
                "linear map; each stage adds Linear + ReLU", _gl_no_relu),
    ]))
