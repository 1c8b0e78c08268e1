"""Many small MLPs trained side by side on one problem, each configuration with its own optimizer.

Lesson 11 compares optimizers (each at several learning rates, over several seeds) on a problem with
matrix-shaped weights. Training 50 tiny networks one after the other would spend most of its time in
Python; here they are one batched forward and backward pass per step: the weights of layer ``l`` of
every network are stacked into one tensor ``(K, fan_out, fan_in)``.

- Every network sees the same minibatches (one stream per :class:`Trainer`), and every configuration
  starts from the same weights for a given seed: the optimizer is the only difference.
- The networks have no biases: a constant input feature stands in for the first layer's, so every
  parameter is a matrix and Muon can update all of them (in practice biases, embeddings and the
  output layer go to AdamW). A weight is stored as ``torch.nn.Linear`` stores it, (fan_out, fan_in),
  so that Muon's shape rule reads as in torch.
- An optimizer is a :func:`torch_optimizer` (a ``torch.optim`` class; it must act element by element,
  as SGD and AdamW do, because it sees the seeds of a configuration stacked in one tensor) or a
  :func:`functional` step ``new, state = step(params, grad, state, **hyper)`` on numpy arrays
  (``per_matrix=True`` calls it on each seed's matrix separately, as Muon needs).
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Problem:
    """A classification problem: ``X`` (n, d + 1) float64 with a constant last column, ``y`` (n,) labels.
    ``y_clean``, ``y_test_clean``: the labels before any were replaced at random (``None`` when unknown),
    so that a lesson can tell the mislabelled points from the others."""

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    classes: int
    y_clean: torch.Tensor | None = None
    y_test_clean: torch.Tensor | None = None


def teacher_problem(n=1024, d=8, classes=4, hidden=16, noise=0.1, seed=0) -> Problem:
    """Labels of a random ReLU teacher network ``argmax(relu(x T1) T2)`` on Gaussian inputs, a share
    ``noise`` of them replaced by random labels; ``n`` training and ``n`` test samples."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(2 * n, d, generator=g, dtype=torch.float64)
    T1 = torch.randn(d, hidden, generator=g, dtype=torch.float64)
    T2 = torch.randn(hidden, classes, generator=g, dtype=torch.float64)
    clean = torch.argmax(torch.relu(X @ T1) @ T2, dim=1)
    flip = torch.rand(2 * n, generator=g, dtype=torch.float64) < noise
    # a replaced label is drawn at random, so it is still right 1/classes of the time
    y = torch.where(flip, torch.randint(0, classes, (2 * n,), generator=g), clean)
    X = torch.cat([X, torch.ones(2 * n, 1, dtype=torch.float64)], dim=1)
    return Problem(X[:n], y[:n], X[n:], y[n:], classes, y_clean=clean[:n], y_test_clean=clean[n:])


@dataclass
class Optimizer:
    """How one configuration is trained (made by :func:`torch_optimizer` or :func:`functional`)."""

    kind: str
    make: Callable | None = None
    step: Callable | None = None
    hyper: dict = field(default_factory=dict)
    per_matrix: bool = False
    evaluate_at: str | None = None


def torch_optimizer(cls, **hyper) -> Optimizer:
    """A ``torch.optim`` class (element-wise: SGD, AdamW, ...) with its hyper-parameters."""
    return Optimizer("torch", make=cls, hyper=hyper)


def functional(step, *, per_matrix=False, evaluate_at=None, **hyper) -> Optimizer:
    """A functional numpy step. ``per_matrix``: call it on each network's matrix (Muon), else on the
    stacked seeds at once (element-wise steps). ``evaluate_at``: a state key holding the point to
    evaluate instead of the parameters (``"x"`` for schedule-free SGD)."""
    return Optimizer("functional", step=step, hyper=hyper, per_matrix=per_matrix, evaluate_at=evaluate_at)


@contextlib.contextmanager
def one_thread():
    """torch on one thread while the block runs (restored after): the networks are tiny, and on a
    shared 2-core machine torch's thread pool costs far more than it saves (measured: 5x the CPU time)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _init(seeds, sizes):
    """He-initialised weights, one set per seed, stacked: a list of (S, fan_out, fan_in) tensors."""
    layers = [[] for _ in sizes[1:]]
    for s in seeds:
        g = torch.Generator().manual_seed(int(s))
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers[i].append(torch.randn(b, a, generator=g, dtype=torch.float64) * (2.0 / a) ** 0.5)
    return [torch.stack(w) for w in layers]


def _forward(weights, X):
    h = X
    for i, W in enumerate(weights):
        h = torch.matmul(h, W.transpose(-1, -2))
        if i < len(weights) - 1:
            h = torch.relu(h)
    return h


def _losses(weights, X, y, classes):
    out = _forward(weights, X)
    K = out.shape[0]
    flat = torch.nn.functional.cross_entropy(out.reshape(-1, classes), y.repeat(K), reduction="none")
    return flat.reshape(K, -1).mean(dim=1)


class Trainer:
    """Train one MLP per (configuration, seed), all side by side.

    problem: a :class:`Problem`; configs: ``{label: Optimizer}``; seeds: the initialisations (every
    configuration gets all of them); hidden: the widths of the hidden layers; batch: the minibatch size.
    After :meth:`run`, ``history[label]`` is an array (steps, seeds) of the minibatch losses.
    """

    def __init__(self, problem: Problem, configs: dict, seeds=(0, 1, 2), hidden=(32, 32), batch=32, data_seed=0):
        self.problem, self.configs, self.seeds, self.batch = problem, dict(configs), list(seeds), batch
        sizes = [problem.X.shape[1], *hidden, problem.classes]
        self.weights, self.optimizers, self.states = {}, {}, {}
        for label, opt in self.configs.items():
            leaves = [w.clone().requires_grad_(True) for w in _init(self.seeds, sizes)]
            self.weights[label] = leaves
            if opt.kind == "torch":
                self.optimizers[label] = opt.make(leaves, **opt.hyper)
            elif opt.per_matrix:
                self.states[label] = [[{} for _ in self.seeds] for _ in leaves]
            else:
                self.states[label] = [{} for _ in leaves]
        self.rng = np.random.default_rng(data_seed)
        self.t = 0
        self.history = {label: [] for label in self.configs}

    def copy(self, labels=None) -> Trainer:
        """An independent copy (weights, optimizer states, the minibatch stream, the step count): a
        checkpoint. ``labels``: keep only these configurations (all by default), in this trainer's order;
        the copy draws the same minibatches as this trainer would."""
        keep = [k for k in self.configs if labels is None or k in labels]
        if labels is not None and len(keep) != len(set(labels)):
            raise KeyError(f"unknown configurations: {sorted(set(labels) - set(keep), key=str)}")
        twin = copy.copy(self)
        twin.configs = {k: self.configs[k] for k in keep}
        twin.weights = {k: [w.detach().clone().requires_grad_(True) for w in self.weights[k]] for k in keep}
        twin.optimizers = {}
        for label in keep:
            if label in self.optimizers:
                cfg = self.configs[label]
                twin.optimizers[label] = cfg.make(twin.weights[label], **cfg.hyper)
                twin.optimizers[label].load_state_dict(copy.deepcopy(self.optimizers[label].state_dict()))
        twin.states = {k: copy.deepcopy(self.states[k]) for k in keep if k in self.states}
        twin.rng = copy.deepcopy(self.rng)
        twin.history = {k: list(self.history[k]) for k in keep}
        return twin

    def _stacked(self, evaluate=False):
        """The weights of every network, layer by layer, in configuration order."""
        layers = []
        for i in range(len(next(iter(self.weights.values())))):
            parts = []
            for label, leaves in self.weights.items():
                at = self.configs[label].evaluate_at
                if evaluate and at is not None and self.states[label][i]:
                    parts.append(torch.from_numpy(np.asarray(self.states[label][i][at])))
                else:
                    parts.append(leaves[i])
            layers.append(torch.cat(parts))
        return layers

    def run(self, steps: int, lr: dict | None = None, desc: str | None = None) -> Trainer:
        """Take ``steps`` steps. ``lr``: ``{label: lr(t)}`` to set a configuration's learning rate
        before each step t (t counts every step this trainer took, from 0). ``desc``: show a progress
        bar with this label (``coursekit.runtime.progress``: live in a student's kernel, off in static
        and autograded runs)."""
        with one_thread():
            self._run(steps, lr or {}, desc)
        return self

    def _run(self, steps, lr, desc):
        S = len(self.seeds)
        labels = list(self.configs)
        ticks = range(steps)
        if desc is not None:
            from .runtime import progress

            ticks = progress(ticks, desc=desc, leave=False)
        for _ in ticks:
            idx = torch.from_numpy(self.rng.choice(len(self.problem.X), self.batch, replace=False))
            losses = _losses(self._stacked(), self.problem.X[idx], self.problem.y[idx], self.problem.classes)
            for leaves in self.weights.values():
                for w in leaves:
                    w.grad = None
            losses.sum().backward()
            values = losses.detach().numpy()
            for k, label in enumerate(labels):
                self.history[label].append(values[k * S:(k + 1) * S])
                cfg = self.configs[label]
                rate = lr[label](self.t) if label in lr else None
                if cfg.kind == "torch":
                    opt = self.optimizers[label]
                    if rate is not None:
                        for group in opt.param_groups:
                            group["lr"] = rate
                    opt.step()
                    continue
                hyper = cfg.hyper if rate is None else {**cfg.hyper, "lr": rate}
                with torch.no_grad():
                    for i, w in enumerate(self.weights[label]):
                        p, g = w.detach().numpy(), w.grad.numpy()
                        if cfg.per_matrix:
                            for s in range(S):
                                new, self.states[label][i][s] = cfg.step(p[s], g[s], self.states[label][i][s], **hyper)
                                w[s] = torch.from_numpy(np.asarray(new))
                        else:
                            new, self.states[label][i] = cfg.step(p, g, self.states[label][i], **hyper)
                            w.copy_(torch.from_numpy(np.asarray(new)))
            self.t += 1

    def curves(self) -> dict:
        """``{label: array (steps, seeds)}`` of the minibatch losses so far."""
        return {label: np.array(h) for label, h in self.history.items()}

    def logits(self, X: torch.Tensor, at_params=False) -> dict:
        """``{label: array (S, n, classes)}``: every network's outputs on the points ``X`` (n, d + 1), at
        ``evaluate_at`` for configurations that name it (``at_params=True``: at the parameters themselves)."""
        with torch.no_grad(), one_thread():
            out = _forward(self._stacked(evaluate=not at_params), X).numpy()
        S = len(self.seeds)
        return {label: out[k * S:(k + 1) * S] for k, label in enumerate(self.configs)}

    def evaluate(self, at_params=False) -> dict:
        """``{label: {"train": (S,), "test": (S,), "accuracy": (S,)}}``: the loss on the whole training
        set and on the test set, the test accuracy, at ``evaluate_at`` for configurations that name it
        (``at_params=True``: at the parameters themselves)."""
        with torch.no_grad(), one_thread():
            weights = self._stacked(evaluate=not at_params)
            p = self.problem
            train = _losses(weights, p.X, p.y, p.classes).numpy()
            test = _losses(weights, p.X_test, p.y_test, p.classes).numpy()
            acc = (_forward(weights, p.X_test).argmax(-1) == p.y_test).double().mean(dim=1).numpy()
        S = len(self.seeds)
        return {label: {"train": train[k * S:(k + 1) * S], "test": test[k * S:(k + 1) * S],
                        "accuracy": acc[k * S:(k + 1) * S]} for k, label in enumerate(self.configs)}


def smooth(curve, width=20):
    """A running mean over ``width`` steps along axis 0 (minibatch losses are noisy); same length,
    the first values averaged over what exists so far."""
    curve = np.asarray(curve, dtype=np.float64)
    cums = np.cumsum(curve, axis=0)
    out = np.empty_like(cums)
    out[:width] = cums[:width] / np.arange(1, min(width, len(curve)) + 1).reshape(-1, *([1] * (curve.ndim - 1)))
    out[width:] = (cums[width:] - cums[:-width]) / width
    return out
