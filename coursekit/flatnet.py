"""A small tanh network whose parameters are one flat vector: what curvature tools need.

Hessian-vector products, power iteration and the edge-of-stability experiments of lesson 12 treat
the loss as a function of a single vector ``theta`` (all weights and biases, layer after layer).
:func:`mlp_loss` builds that function in torch from fixed data; :func:`loss_and_grad` evaluates it
and its gradient at a NumPy point.

Several runs at once: ``theta`` may also be a (K, P) stack of K parameter vectors (K learning rates
trained side by side). The loss is then the *sum* of the K runs' losses; since run k's loss depends
on row k only, row k of its gradient is run k's gradient, and row k of a Hessian-vector product with
a (K, P) stack of vectors is run k's own ``H_k v_k`` (the Hessian is block diagonal). One torch call
then does the work of K, which is what makes the lesson's experiments fast on a CPU.
"""
from __future__ import annotations

import numpy as np


def layer_shapes(dims):
    """The shapes of the parameters of an MLP with layer sizes ``dims`` = (inputs, hidden..., outputs):
    ``[(d0, d1), (d1,), (d1, d2), (d2,), ...]`` (weight, then bias, for each layer)."""
    shapes = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def mlp_loss(X, Y, hidden, *, seed=0):
    """The mean squared error of a tanh MLP as a function of its flat parameter vector.

    X: (N, d) inputs, Y: (N, k) targets (float64 arrays). hidden: the hidden layer sizes, e.g. (32, 32).
    Returns ``(loss, theta0)``:

    - ``loss(theta)``: ``theta`` a float64 torch tensor of shape (P,) gives ``0.5 * mean((net(X) - Y)**2)``
      as a 0-d tensor (the net: ``tanh(x @ W + b)`` per hidden layer, then a linear output layer);
      of shape (K, P), the sum of the K losses. ``loss.each(theta)`` gives the K losses, shape (K,).
      ``loss.shapes`` lists the parameter shapes in order.
    - ``theta0``: a NumPy start of shape (P,), weights ~ N(0, 1 / fan_in), biases 0, drawn from
      ``np.random.default_rng(seed)``.
    """
    import torch

    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    shapes = layer_shapes([X.shape[1], *hidden, Y.shape[1]])
    sizes = [int(np.prod(s)) for s in shapes]
    xt, yt = torch.tensor(X), torch.tensor(Y)

    def each(theta):
        stack = theta.reshape(-1, sum(sizes))
        a, start = xt.expand(stack.shape[0], *xt.shape), 0
        for k in range(0, len(shapes), 2):
            w = stack[:, start:start + sizes[k]].reshape(-1, *shapes[k])
            start += sizes[k]
            b = stack[:, start:start + sizes[k + 1]].unsqueeze(1)
            start += sizes[k + 1]
            a = torch.baddbmm(b, a, w)
            if k < len(shapes) - 2:
                a = torch.tanh(a)
        return 0.5 * ((a - yt) ** 2).mean(dim=(1, 2))

    def loss(theta):
        losses = each(theta)
        return losses[0] if theta.dim() == 1 else losses.sum()

    loss.each = each
    loss.shapes = shapes
    rng = np.random.default_rng(seed)
    theta0 = np.concatenate([rng.normal(size=s).ravel() / np.sqrt(s[0]) if len(s) == 2 else np.zeros(s)
                             for s in shapes])
    return loss, theta0


def loss_and_grad(loss, theta):
    """The loss and its gradient at the NumPy point ``theta``: ``(float, (P,) array)`` for one parameter
    vector, ``((K,) array of losses, (K, P) array of gradients)`` for a stack of K."""
    import torch

    t = torch.tensor(np.asarray(theta, dtype=np.float64), requires_grad=True)
    values = loss.each(t)
    (grad,) = torch.autograd.grad(values.sum(), t)
    values = values.detach().numpy()
    return (float(values[0]) if t.dim() == 1 else values.copy()), grad.numpy()
