"""greedy_layerwise_pretrain: hidden cases and catalogued mistakes (checked by watching the training,
``run_greedy``)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.transfer import greedy_layerwise_pretrain
from coursekit.check.tasks.l10_transfer_learning import GREEDY_LAYERWISE_PRETRAIN, greedy_data


def hidden_cases():
    cases = []
    for i, (n_layers, width, epochs, centers, d) in enumerate([(3, 5, 3, 4, 3), (2, 8, 4, 3, 5),
                                                              (4, 6, 2, 3, 4), (3, 7, 3, 2, 6),
                                                              (1, 5, 5, 3, 4)]):
        X, y = greedy_data(10 + i, centers=centers, d=d)
        cases.append(Case(f"blobs 60x{d}, {centers} classes, n_layers={n_layers}, hidden={width}, "
                          f"epochs={epochs}, seed={i + 1}", (X, y, n_layers, width, epochs, i + 1)))
    return cases


def _train(model, X, y, epochs, params=None):
    """``epochs`` full-batch Adam steps (lr 1e-2) on ``params`` (default: every trainable parameter)."""
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
    params = [p for p in (params if params is not None else model.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=1e-2)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()


def not_frozen(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body = []
    for k in range(n_layers):
        body += [nn.Linear(d if k == 0 else hidden, hidden), nn.ReLU()]
        model = nn.Sequential(*body, nn.Linear(hidden, k_out))
        _train(model, X, y, epochs)
    return model


def head_kept_fixed(X, y, n_layers, hidden, epochs, seed):
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
        _train(model, X, y, epochs, trainable)
    return model


def joint(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body = []
    for k in range(n_layers):
        body += [nn.Linear(d if k == 0 else hidden, hidden), nn.ReLU()]
    model = nn.Sequential(*body, nn.Linear(hidden, k_out))
    _train(model, X, y, epochs * n_layers)
    return model


def no_relu(X, y, n_layers, hidden, epochs, seed):
    torch.manual_seed(seed)
    d, k_out = np.asarray(X).shape[1], int(np.max(y)) + 1
    body = []
    for k in range(n_layers):
        for m in body:
            m.requires_grad_(False)
        body.append(nn.Linear(d if k == 0 else hidden, hidden))
        model = nn.Sequential(*body, nn.Linear(hidden, k_out))
        _train(model, X, y, epochs)
    return model


EXERCISE = Exercise.of(
    GREEDY_LAYERWISE_PRETRAIN, reference=greedy_layerwise_pretrain, points=5, hidden=hidden_cases,
    mistakes=[
        Mistake("not_frozen", "the earlier hidden layers keep training in later stages; freeze them before "
                "you add the next layer (only the new layer and the output layer train)", not_frozen),
        Mistake("head_kept_fixed", "the output layer is not retrained: each stage needs a new output layer on "
                "top of the new hidden layer (or at least retrain the old one) together with the new layer",
                head_kept_fixed),
        Mistake("joint", "all layers are built at once and trained together: that is ordinary end-to-end "
                "training; add ONE hidden layer per stage and train it before adding the next", joint),
        Mistake("no_relu", "there is no ReLU after the hidden layers: a stack of Linear layers is a single "
                "linear map; each stage adds Linear + ReLU", no_relu),
    ])
