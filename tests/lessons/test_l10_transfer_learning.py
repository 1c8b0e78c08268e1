"""Lesson 10: freeze / transfer_model / greedy_layerwise_pretrain by behaviour, and correct variants."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from coursegrader.grading import evaluate
from coursegrader.reference.transfer import freeze, greedy_layerwise_pretrain, transfer_model
from coursekit.datasets import blobs
from coursekit.transfer import accuracy, leaves, mlp, related_task, train_classifier

from helpers import clone


def _pretrained(seed=0):
    return mlp([5, 8, 7, 6, 3], seed=seed)


def _train_step(model, X, n_out, opt_cls=torch.optim.Adam):
    params = [p for p in model.parameters() if p.requires_grad]
    opt = opt_cls(params, lr=0.1)
    loss = ((model(X) - torch.ones(len(X), n_out)) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()


def test_freeze_in_place_and_no_grad_after_backward():
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Linear(4, 2))
    assert freeze(model) is model
    assert not any(p.requires_grad for p in model.parameters())
    x = torch.randn(5, 3, requires_grad=True)
    model(x).sum().backward()  # the input still gets a gradient; the parameters none
    assert x.grad is not None and all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("fine_tune", [False, True])
def test_transfer_model_structure_and_copies(fine_tune):
    pre = _pretrained()
    model = transfer_model(pre, 2, 4, fine_tune=fine_tune)
    assert isinstance(model, nn.Sequential)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    head = model[-1]
    assert (head.in_features, head.out_features) == (7, 4)
    pre_ptrs = {p.data_ptr() for p in pre.parameters()}
    for new, old in [(model[0], pre[0]), (model[2], pre[2])]:
        assert torch.equal(new.weight, old.weight) and torch.equal(new.bias, old.bias)
        assert new.weight.data_ptr() != old.weight.data_ptr() and new.bias.data_ptr() != old.bias.data_ptr()
        assert all(p.requires_grad == fine_tune for p in new.parameters())
    assert not ({p.data_ptr() for p in head.parameters()} & pre_ptrs)
    assert all(p.requires_grad for p in head.parameters())
    assert all(p.requires_grad for p in pre.parameters())  # pretrained untouched
    X = torch.randn(10, 5)
    with torch.no_grad():
        np.testing.assert_array_equal(model[:-1](X).numpy(), pre[:4](X).numpy())


def test_frozen_parameters_unchanged_by_a_training_step():
    pre = _pretrained(1)
    pre_state = copy.deepcopy(pre.state_dict())
    model = transfer_model(pre, 2, 3)
    before = copy.deepcopy(model.state_dict())
    _train_step(model, torch.randn(16, 5), 3)
    after = model.state_dict()
    for key in ["0.weight", "0.bias", "2.weight", "2.bias"]:
        assert torch.equal(before[key], after[key]), key
    assert not torch.equal(before["4.weight"], after["4.weight"])
    for key, value in pre.state_dict().items():
        assert torch.equal(value, pre_state[key])


def test_fine_tuning_changes_the_copy_not_the_original():
    pre = _pretrained(2)
    pre_state = copy.deepcopy(pre.state_dict())
    model = transfer_model(pre, 3, 2, fine_tune=True)
    before = copy.deepcopy(model.state_dict())
    _train_step(model, torch.randn(16, 5), 2, torch.optim.SGD)
    changed = [k for k in before if not torch.equal(before[k], model.state_dict()[k])]
    assert {"0.weight", "2.weight", "4.weight", "6.weight"} <= set(changed)
    for key, value in pre.state_dict().items():
        assert torch.equal(value, pre_state[key])


def test_n_reuse_counts_linear_layers():
    pre = _pretrained()
    for n_reuse in (1, 2, 3, 4):
        model = transfer_model(pre, n_reuse, 2)
        assert sum(isinstance(m, nn.Linear) for m in model) == n_reuse + 1
    with pytest.raises(ValueError):
        transfer_model(pre, 5, 2)
    with pytest.raises(ValueError):
        transfer_model(pre, 0, 2)


def test_nested_pretrained_is_read_through_its_leaves():
    pre = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Tanh()), nn.Sequential(nn.Linear(4, 5), nn.Tanh()),
                        nn.Linear(5, 2))
    model = transfer_model(pre, 2, 6)
    assert [type(m).__name__ for m in leaves(model)] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert model[-1].in_features == 5


def test_greedy_structure_and_earlier_layers_frozen():
    X, y = blobs(n=80, centers=3, d=4, spread=0.5, seed=3)
    one = greedy_layerwise_pretrain(X, y, 1, 6, 15, seed=4)
    three = greedy_layerwise_pretrain(X, y, 3, 6, 15, seed=4)
    assert [type(m).__name__ for m in three] == ["Linear", "ReLU"] * 3 + ["Linear"]
    assert [(m.in_features, m.out_features) for m in three if isinstance(m, nn.Linear)] == \
        [(4, 6), (6, 6), (6, 6), (6, 3)]
    # stage 1 is the same computation in both; later stages must leave the first layer as it was
    assert torch.equal(one[0].weight, three[0].weight) and torch.equal(one[0].bias, three[0].bias)
    assert all(p.requires_grad for p in three.parameters())  # ready to fine-tune


def test_greedy_layers_actually_train():
    X, y = blobs(n=80, centers=3, d=4, spread=0.5, seed=5)
    model = greedy_layerwise_pretrain(X, y, 2, 8, 60, seed=0)
    torch.manual_seed(0)
    untrained = nn.Linear(4, 8)
    assert not torch.equal(untrained.weight, model[0].weight)
    assert accuracy(model, X, y) > 0.9


def test_related_tasks_share_the_generator():
    Xa, ya = related_task(300, seed=0)
    Xb, yb = related_task(300, seed=1)
    assert Xa.shape == Xb.shape == (300, 20) and Xa.dtype == np.float64
    assert set(np.unique(ya)) == set(np.unique(yb)) == {0, 1, 2}
    assert not np.array_equal(ya, yb)
    Xa2, ya2 = related_task(300, seed=0)
    np.testing.assert_array_equal(Xa, Xa2)
    np.testing.assert_array_equal(ya, ya2)


def test_train_classifier_only_touches_trainable_parameters():
    X, y = related_task(100, seed=2)
    model = transfer_model(mlp([20, 8, 3], seed=1), 1, 3)
    before = copy.deepcopy(model.state_dict())
    losses = train_classifier(model, X, y, 20)
    assert losses[-1] < losses[0]
    assert torch.equal(before["0.weight"], model.state_dict()["0.weight"])


def test_train_classifier_groups_give_each_part_its_own_learning_rate():
    """Adam's first step moves every weight by about its group's learning rate (|m / sqrt(v)| = 1),
    so with the body at 1e-3 and the head at 1e-2 the head moves ten times as far; frozen
    parameters in a group stay out of the optimizer."""
    X, y = related_task(100, seed=2)
    model = transfer_model(mlp([20, 8, 8, 3], seed=1), 2, 3, fine_tune=True)
    model[0].requires_grad_(False)
    before = copy.deepcopy(model.state_dict())
    train_classifier(model, X, y, 1, groups=[(model[:-1].parameters(), 1e-3), (model[-1].parameters(), 1e-2)])
    moved = {k: (model.state_dict()[k] - v).abs().max().item() for k, v in before.items()}
    assert moved["0.weight"] == 0.0
    assert moved["2.weight"] == pytest.approx(1e-3, rel=1e-3)
    assert moved["4.weight"] == pytest.approx(1e-2, rel=1e-3)


# --- correct variants written differently get full marks ------------------------------------

def freeze_requires_grad_(module):
    module.requires_grad_(False)
    return module


def freeze_named_loop(module):
    for _, p in module.named_parameters():
        p.requires_grad = False
    return module


def transfer_state_dict_copy(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    layers, count = [], 0
    for m in pretrained:
        if isinstance(m, nn.Linear):
            if count == n_reuse:
                break
            count += 1
            new = nn.Linear(m.in_features, m.out_features)
            new.load_state_dict(m.state_dict())
            layers.append(new)
        else:
            layers.append(type(m)())
    body = nn.Sequential(*layers)
    for p in body.parameters():
        p.requires_grad = fine_tune
    width = [m for m in layers if isinstance(m, nn.Linear)][-1].out_features
    return nn.Sequential(body, nn.Linear(width, n_outputs))


def greedy_optimizer_only_new(X, y, n_layers, hidden, epochs, seed):
    """Freezes by giving the optimizer only the new parameters (no requires_grad flags) and keeps one head."""
    torch.manual_seed(seed)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    layers, size = [], X.shape[1]
    head = None
    for _k in range(n_layers):
        layer = nn.Linear(size, hidden)
        size = hidden
        layers += [layer, nn.ReLU()]
        head = nn.Linear(hidden, int(y.max()) + 1)
        model = nn.Sequential(*layers, head)
        opt = torch.optim.SGD(list(layer.parameters()) + list(head.parameters()), lr=0.05)
        for _ in range(epochs):
            opt.zero_grad()
            nn.functional.cross_entropy(model(Xt), yt).backward()
            opt.step()
    return model


@pytest.mark.parametrize("name, fn", [
    ("freeze", freeze_requires_grad_), ("freeze", freeze_named_loop), ("freeze", clone(freeze)),
    ("transfer_model", transfer_state_dict_copy), ("transfer_model", clone(transfer_model)),
    ("greedy_layerwise_pretrain", greedy_optimizer_only_new),
    ("greedy_layerwise_pretrain", clone(greedy_layerwise_pretrain)),
])
def test_correct_variants_get_full_marks(name, fn):
    ev = evaluate(name, fn)
    assert ev.score == ev.points, [(r.case.label, r.problem) for r in ev.results if not r.passed]
    assert all(r.passed for r in evaluate(name, fn, hidden=False).results)
