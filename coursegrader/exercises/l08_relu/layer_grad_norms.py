"""layer_grad_norms: hidden cases and catalogued mistakes (torch models, checked through
``run_layer_grad_norms``, which leaves stale gradients in the model first)."""
from __future__ import annotations

from torch import nn

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.diagnostics import layer_grad_norms
from coursekit.check.tasks.l08_relu import LAYER_GRAD_NORMS, batch, mlp


def hidden_cases():
    return [Case("10 Linear layers of width 16 with sigmoid, cross-entropy, 64 samples",
                 (mlp(10, [2] + [16] * 9 + [2], nn.Sigmoid), *batch(11, 64, 2, "classes"), nn.CrossEntropyLoss())),
            Case("5 Linear layers with ReLU, BCEWithLogitsLoss, 32 samples",
                 (mlp(12, [4, 12, 10, 8, 6, 1], nn.ReLU), *batch(13, 32, 4, "binary"), nn.BCEWithLogitsLoss())),
            Case("blocks nn.Sequential(Linear, Tanh) nested in the model, MSE",
                 (mlp(14, [3, 7, 7, 7, 2], nn.Tanh, nested=True), *batch(15, 20, 3, "values", 2), nn.MSELoss())),
            Case("a single Linear layer 5-3, MSE with sum reduction",
                 (mlp(16, [5, 3], nn.ReLU), *batch(17, 10, 5, "values", 3), nn.MSELoss(reduction="sum"))),
            Case("4 Linear layers with ELU, 4 classes, 50 samples",
                 (mlp(18, [6, 20, 20, 20, 4], nn.ELU), *batch(19, 50, 6, "classes", 4), nn.CrossEntropyLoss()))]


def output_first(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)][::-1]


def bias_included(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(p.grad.norm()) for p in model.parameters()]


def squared_norm(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float((m.weight.grad ** 2).sum()) for m in model.modules() if isinstance(m, nn.Linear)]


def no_zero_grad(model, X, y, loss_fn):
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.modules() if isinstance(m, nn.Linear)]


def weight_norms(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.detach().norm()) for m in model.modules() if isinstance(m, nn.Linear)]


def top_level_only(model, X, y, loss_fn):
    model.zero_grad()
    loss_fn(model(X), y).backward()
    return [float(m.weight.grad.norm()) for m in model.children() if isinstance(m, nn.Linear)]


EXERCISE = Exercise.of(
    LAYER_GRAD_NORMS, reference=layer_grad_norms, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("output_first", "the list goes input side first: the first nn.Linear of the model comes first",
                output_first),
        Mistake("bias_included", "only the weights of the nn.Linear layers count, not their biases", bias_included),
        Mistake("squared_norm", "the norm is sqrt(sum(g**2)) (weight.grad.norm()), not the squared norm",
                squared_norm),
        Mistake("no_zero_grad", "the model already held gradients and backward() adds to .grad: call "
                "model.zero_grad() before the backward pass", no_zero_grad),
        Mistake("weight_norms", "the norms of the weights themselves; take the norm of weight.grad", weight_norms),
        Mistake("top_level_only", "model.children() misses layers nested in blocks; model.modules() visits "
                "every submodule", top_level_only),
    ])
