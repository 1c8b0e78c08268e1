"""freeze: hidden cases and catalogued mistakes."""
from __future__ import annotations

import copy

import torch
from torch import nn

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.transfer import freeze
from coursekit.check.tasks.l10_transfer_learning import FREEZE, net


class _Scaled(nn.Module):
    """A custom module with a parameter of its own and a child: freezing must be recursive."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(7)
        self.scale = nn.Parameter(torch.tensor([1.5]))
        self.inner = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

    def forward(self, x):
        return self.scale * self.inner(x)


def hidden_cases():
    nested = nn.Sequential(nn.Sequential(nn.Linear(5, 4), nn.ReLU()), nn.Sequential(nn.Linear(4, 4), nn.ReLU()),
                           nn.Linear(4, 2))
    half = net([4, 5, 5, 2], 3)
    freeze(half[0])
    return [Case("Sequential of 3 Linear layers with Tanh", (net([3, 8, 8, 2], 2, nn.Tanh),)),
            Case("nested Sequential(Sequential(Linear, ReLU), Sequential(Linear, ReLU), Linear)", (nested,)),
            Case("Sequential(Linear, BatchNorm1d, ReLU, Linear)",
                 (nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1)),)),
            Case("a custom nn.Module with its own parameter and a child Sequential", (_Scaled(),)),
            Case("a Sequential whose first layer is frozen already", (half,)),
            Case("Linear(6, 1) without bias", (nn.Linear(6, 1, bias=False),))]


def weights_only(module):
    for name, p in module.named_parameters():
        if name.endswith("weight"):
            p.requires_grad_(False)
    return module


def nothing_frozen(module):
    module.eval()
    for p in module.parameters():
        p.data.requires_grad = False  # .data is a detached view: the parameter itself keeps requires_grad
    return module


def returns_copy(module):
    m = copy.deepcopy(module)
    for p in m.parameters():
        p.requires_grad = False
    return m


def returns_none(module):
    for p in module.parameters():
        p.requires_grad = False


EXERCISE = Exercise.of(
    FREEZE, reference=freeze, points=2, hidden=hidden_cases,
    mistakes=[
        Mistake("weights_only", "only the weights are frozen: the biases still require grad; freeze every "
                "parameter of module.parameters()", weights_only),
        Mistake("nothing_frozen", "no parameter was frozen: module.eval() only changes dropout/batch-norm, and "
                "p.data.requires_grad = False changes a detached view; set p.requires_grad_(False) for every "
                "p in module.parameters()", nothing_frozen),
        Mistake("returns_copy", "a frozen COPY is returned and the module given stays trainable; freeze the "
                "module in place and return it", returns_copy),
        Mistake("returns_none", "the module is frozen but not returned (the function returns None); end with "
                "`return module`", returns_none),
    ])
