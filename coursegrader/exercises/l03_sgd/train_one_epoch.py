"""train_one_epoch: hidden cases and catalogued mistakes."""
from __future__ import annotations

from coursegrader.grading import Case, Exercise, Mistake
from coursegrader.reference.sgd import train_one_epoch
from coursekit.check.tasks.l03_sgd import TRAIN_ONE_EPOCH, Setup


def hidden_cases():
    return [Case("regression (MSELoss), 50 samples, batch_size=16 (last batch of 2), lr=0.05, 2 epochs",
                 (Setup("regression", 1, 50, 16, 0.05),)),
            Case("regression, batch_size=1, lr=0.01, momentum=0.9, 2 epochs", (Setup("regression", 2, 20, 1, 0.01, 0.9),)),
            Case("binary (BCEWithLogitsLoss), 40 samples, batch_size=7, lr=0.1, 2 epochs",
                 (Setup("binary", 3, 40, 7, 0.1),)),
            Case("3 classes (CrossEntropyLoss), 60 samples, batch_size=12, lr=0.1, momentum=0.5, no shuffling",
                 (Setup("multiclass", 4, 60, 12, 0.1, 0.5, shuffle=False),)),
            Case("3 classes, 45 samples, batch_size=45 (one batch), lr=0.2, 2 epochs",
                 (Setup("multiclass", 5, 45, 45, 0.2),))]


def no_zero_grad(model, loader, loss_fn, optimizer):
    losses = []
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def zero_grad_once(model, loader, loss_fn, optimizer):
    losses = []
    optimizer.zero_grad()
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def zero_grad_before_step(model, loader, loss_fn, optimizer):
    losses = []
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def last_batch_loss(model, loader, loss_fn, optimizer):
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def sum_of_losses(model, loader, loss_fn, optimizer):
    total = 0.0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total


def sample_weighted(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
        count += len(xb)
    return total / count


EXERCISE = Exercise.of(
    TRAIN_ONE_EPOCH, reference=train_one_epoch, points=4, hidden=hidden_cases,
    mistakes=[
        Mistake("no_zero_grad", "optimizer.zero_grad() is never called: torch adds every backward() into "
                ".grad, so each step uses the sum of all gradients so far", no_zero_grad),
        Mistake("zero_grad_once", "zero_grad() runs once per epoch; call it for every batch", zero_grad_once),
        Mistake("zero_grad_before_step", "zero_grad() runs between backward() and step(), erasing the gradient "
                "just computed: nothing is learned. Order: zero_grad, backward, step", zero_grad_before_step),
        Mistake("last_batch_loss", "returns the loss of the last batch; return the mean over all batches",
                last_batch_loss),
        Mistake("sum_of_losses", "returns the sum of the batch losses; divide by the number of batches",
                sum_of_losses),
        Mistake("sample_weighted", "weights each batch's loss by its size; the mean batch loss counts each "
                "batch once (they differ when the last batch is smaller)", sample_weighted),
    ])
