"""transfer_model: hidden cases and catalogued mistakes."""
from __future__ import annotations

import copy

from torch import nn

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.transfer import transfer_model
from coursekit.check.tasks.l10_transfer_learning import TRANSFER_MODEL, net


def hidden_cases():
    return [Case("pretrained 5-7-6-4-3 (Tanh), n_reuse=2, n_outputs=4", (net([5, 7, 6, 4, 3], 1, nn.Tanh), 2, 4)),
            Case("pretrained 5-7-6-4-3 (Tanh), n_reuse=3, n_outputs=2", (net([5, 7, 6, 4, 3], 2, nn.Tanh), 3, 2)),
            Case("pretrained 5-7-6-4-3 (ReLU), n_reuse=3, n_outputs=3, fine_tune=True",
                 (net([5, 7, 6, 4, 3], 3), 3, 3), {"fine_tune": True}),
            Case("pretrained 3-9-9-2 (LeakyReLU), n_reuse=2, n_outputs=6, fine_tune=True",
                 (net([3, 9, 9, 2], 4, nn.LeakyReLU), 2, 6), {"fine_tune": True}),
            Case("pretrained 3-9-9-2 (Sigmoid), n_reuse=2, n_outputs=1, fine_tune=False",
                 (net([3, 9, 9, 2], 5, nn.Sigmoid), 2, 1), {"fine_tune": False}),
            Case("pretrained 6-5-4 (ReLU), n_reuse=1, n_outputs=3", (net([6, 5, 4], 6), 1, 3)),
            Case("pretrained 4-6-3 (ReLU), n_reuse=2 (every layer, the old output too), n_outputs=2",
                 (net([4, 6, 3], 7), 2, 2), weight=0.5)]


def _parts(pretrained, n_reuse):
    """The modules of ``pretrained`` before its (n_reuse + 1)-th nn.Linear (not copied)."""
    kept, seen = [], 0
    for m in pretrained:
        if isinstance(m, nn.Linear):
            if seen == n_reuse:
                break
            seen += 1
        kept.append(m)
    return kept


def _head(body, n_outputs):
    """A new output layer on top of the last nn.Linear of ``body``."""
    last = [m for m in body if isinstance(m, nn.Linear)][-1]
    return nn.Linear(last.out_features, n_outputs)


def fine_tune_ignored(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(_parts(pretrained, n_reuse))
    for m in body:
        m.requires_grad_(False)
    return nn.Sequential(*body, _head(body, n_outputs))


def head_frozen(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(_parts(pretrained, n_reuse))
    model = nn.Sequential(*body, _head(body, n_outputs))
    if not fine_tune:
        for p in model.parameters():
            p.requires_grad_(False)
    return model


def shared(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = _parts(pretrained, n_reuse)
    if not fine_tune:
        for m in body:
            for p in m.parameters():
                p.requires_grad_(False)
    return nn.Sequential(*body, _head(body, n_outputs))


def no_activations(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = [copy.deepcopy(m) for m in pretrained if isinstance(m, nn.Linear)][:n_reuse]
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _head(body, n_outputs))


def last_activation_dropped(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(_parts(pretrained, n_reuse))
    while not isinstance(body[-1], nn.Linear):
        body.pop()
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _head(body, n_outputs))


def counts_modules(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(list(pretrained)[:n_reuse])
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _head(body, n_outputs))


def on_top(pretrained, n_reuse, n_outputs, *, fine_tune=False):
    body = copy.deepcopy(list(pretrained))
    if not fine_tune:
        for m in body:
            m.requires_grad_(False)
    return nn.Sequential(*body, _head(body, n_outputs))


EXERCISE = Exercise.of(
    TRANSFER_MODEL, reference=transfer_model, points=5, hidden=hidden_cases,
    mistakes=[
        Mistake("fine_tune_ignored", "fine_tune is ignored: the reused layers are always frozen; with "
                "fine_tune=True they are only the starting point and keep training", fine_tune_ignored),
        Mistake("head_frozen", "the new output layer is frozen too, so nothing can learn; freeze the reused "
                "layers only (freeze before you add the head), the head always trains", head_frozen),
        Mistake("shared", "the reused layers are the pretrained model's own modules, not copies: freezing or "
                "training them changes `pretrained`; copy them (copy.deepcopy)", shared),
        Mistake("no_activations", "the activations are dropped: only the nn.Linear modules were kept, so the "
                "reused layers collapse to one linear map; keep the activation after each reused layer",
                no_activations),
        Mistake("last_activation_dropped", "the activation after the last reused nn.Linear is missing: cut "
                "just before the (n_reuse + 1)-th nn.Linear, not right after the n_reuse-th", last_activation_dropped),
        Mistake("counts_modules", "n_reuse counts modules (pretrained[:n_reuse]) instead of nn.Linear layers: "
                "activations are modules too", counts_modules),
        Mistake("on_top", "the new layer is put on top of the WHOLE pretrained network; keep only its first "
                "n_reuse nn.Linear layers (the old output layer is replaced, not extended)", on_top),
    ])
