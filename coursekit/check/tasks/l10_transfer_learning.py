"""Lesson 10 (transfer learning): its graded functions as a student's kernel sees them.

The three functions return torch modules, so they are checked by behaviour: each ``run`` turns
the returned model into plain facts (layer types and shapes, ``requires_grad`` flags, whether
parameters are copies of the pretrained ones, what one training step changes, ...) and those
facts are compared with the answer's.
"""
from __future__ import annotations

import sys

import torch
from torch import nn

from ...datasets import blobs
from ...transfer import leaves
from ..task import Case, Task

LESSON = "10_transfer_learning"

# The first optimizer step of a process imports most of torch._dynamo (seconds on a busy machine),
# and the first calls under the harness's profiler are slower still. ``warm_up`` pays both once,
# on the reference's call (which the harness makes before the student's). The per-case time limit
# is a guard against runaway loops, not the budget: 10 s leaves room for a loaded machine.
TIME_LIMIT = 10.0
_warm = False


class OneThread:
    """Tiny models gain nothing from threads, and on a busy machine two threads wait for each other."""

    def __enter__(self):
        self.n = torch.get_num_threads()
        if self.n != 1:
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        if self.n != 1:
            torch.set_num_threads(self.n)


def warm_up():
    """Pay torch's one-off costs of a first optimizer step (and of one under a profiler) once."""
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


def net(sizes, seed, act=nn.ReLU):
    """``Linear(sizes[0], sizes[1]), act(), ..., Linear(sizes[-2], sizes[-1])`` from ``torch.manual_seed(seed)``."""
    torch.manual_seed(seed)
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            mods.append(act())
    return nn.Sequential(*mods)


def same_values(a, b):
    """Whether two tensors have the same shape and the same values."""
    return a.shape == b.shape and bool(torch.equal(a.detach(), b.detach()))


def ptrs(module):
    """Where a module's parameters live in memory (shared memory means shared tensors)."""
    return {p.data_ptr() for p in module.parameters()}


# --- freeze -------------------------------------------------------------------------------

def run_freeze(fn, case):
    """What ``freeze`` did to the module: returned it, which flags it set, whether values changed."""
    module = case.args[0]
    before = {n: p.detach().clone() for n, p in module.named_parameters()}
    out = fn(module)
    return {"returns the module it was given": out is module,
            "requires_grad of each parameter": {n: bool(p.requires_grad) for n, p in module.named_parameters()},
            "parameter values unchanged": all(torch.equal(before[n], p.detach())
                                              for n, p in module.named_parameters())}


def _freeze_visible():
    return [Case("Sequential(Linear(4, 6), ReLU(), Linear(6, 3))", (net([4, 6, 3], 0),)),
            Case("a single Linear(3, 2)", (net([3, 2], 1),))]


FREEZE = Task(name="freeze", lesson=LESSON, parameters=("module",), visible=_freeze_visible, run=run_freeze,
              frozen_inputs=False, time_limit=TIME_LIMIT)


# --- transfer_model -------------------------------------------------------------------------

G_SEED = 1234


def run_transfer(fn, case):
    """The facts of the model ``fn`` builds: its layers, flags, copies, features and one training step."""
    with OneThread():
        return transfer_facts(fn, case)


def transfer_facts(fn, case):
    warm_up()
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
    pre_ptrs = ptrs(pretrained)
    facts = {
        "layers": [type(m).__name__ for m in mods],
        "(in, out) of each Linear": [(m.in_features, m.out_features) for m in linears],
        "each Linear trainable": [all(p.requires_grad for p in m.parameters()) for m in linears],
        "reused Linear equal to pretrained's": [
            i < len(pre_linears) and same_values(m.weight, pre_linears[i].weight)
            and same_values(m.bias, pre_linears[i].bias) for i, m in enumerate(reused)],
        "reused Linear is a copy (shares no memory with pretrained)": [not (ptrs(m) & pre_ptrs) for m in reused],
        "output layer is new": not (ptrs(head) & pre_ptrs) and not any(
            same_values(head.weight, p.weight) for p in pre_linears),
    }
    gen = torch.Generator().manual_seed(G_SEED)
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


def _transfer_visible():
    return [Case("pretrained 4-8-6-3 (ReLU), n_reuse=2, n_outputs=5", (net([4, 8, 6, 3], 0), 2, 5)),
            Case("pretrained 4-8-6-3 (ReLU), n_reuse=1, n_outputs=2, fine_tune=True",
                 (net([4, 8, 6, 3], 0), 1, 2), {"fine_tune": True})]


TRANSFER_MODEL = Task(name="transfer_model", lesson=LESSON,
                      parameters=("pretrained", "n_reuse", "n_outputs", "fine_tune"), visible=_transfer_visible,
                      run=run_transfer, time_limit=TIME_LIMIT)


# --- greedy_layerwise_pretrain ----------------------------------------------------------------

def run_greedy(fn, case):
    """The facts of ``fn``'s training, watched through every nn.Linear's forward calls."""
    with OneThread():
        return greedy_facts(fn, case)


def greedy_facts(fn, case):
    warm_up()
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


def greedy_data(seed, n=60, centers=3, d=4):
    """A small blobs problem (``n`` samples, ``d`` features, ``centers`` classes)."""
    X, y = blobs(n=n, centers=centers, d=d, spread=0.4, seed=seed)
    return X, y


def _greedy_visible():
    X, y = greedy_data(0)
    return [Case("blobs 60x4, 3 classes, n_layers=2, hidden=6, epochs=4, seed=0", (X, y, 2, 6, 4, 0))]


GREEDY_LAYERWISE_PRETRAIN = Task(name="greedy_layerwise_pretrain", lesson=LESSON,
                                 parameters=("X", "y", "n_layers", "hidden", "epochs", "seed"),
                                 visible=_greedy_visible, run=run_greedy, time_limit=TIME_LIMIT)

TASKS = [FREEZE, TRANSFER_MODEL, GREEDY_LAYERWISE_PRETRAIN]
