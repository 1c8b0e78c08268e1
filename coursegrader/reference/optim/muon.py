"""Muon (Jordan et al., 2024), exactly ``torch.optim.Muon`` on one matrix, with its Newton–Schulz
iteration computed in float64 (torch runs it in bfloat16)."""
from __future__ import annotations

import math

import numpy as np

NS_COEFFICIENTS = (3.4445, -4.775, 2.0315)  # torch.optim.Muon's defaults (Keller Jordan's quintic)


def newton_schulz(G, *, steps=5, coefficients=(3.4445, -4.775, 2.0315), eps=1e-7):
    """The quintic Newton–Schulz iteration of ``torch.optim.Muon``: an approximate ``U V^T`` of
    ``G = U S V^T``, in float64.

    G: a 2-D array (A, B), not modified. Returns a new float64 array (A, B):

    - ``X = G``, transposed when ``A > B`` (so ``X @ X.T`` is the smaller Gram matrix);
    - ``X = X / max(norm_F(X), eps)``: the Frobenius norm bounds the largest singular value, so
      every singular value is now in [0, 1] (a zero matrix stays zero);
    - ``steps`` times: ``A = X @ X.T``; ``B = b * A + c * A @ A``; ``X = a * X + B @ X``, which maps
      each singular value s to ``a s + b s**3 + c s**5``, with ``(a, b, c) = coefficients``;
    - transposed back.

    Raises ``ValueError`` unless ``G`` is 2-D and ``0 <= steps < 100`` (torch's limit).
    """
    X = np.asarray(G, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"newton_schulz orthogonalises a matrix: G must be 2-D, got shape {X.shape}")
    if not 0 <= steps < 100:
        raise ValueError(f"newton_schulz needs 0 <= steps < 100, got steps={steps!r}")
    a, b, c = coefficients
    tall = X.shape[0] > X.shape[1]
    if tall:
        X = X.T
    X = X / max(float(np.linalg.norm(X)), eps)
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    return X.T if tall else X


def adjusted_lr(lr, shape, adjust_lr_fn=None):
    """The learning rate Muon applies to the orthogonalised update of a matrix of ``shape`` (A, B):
    ``lr * sqrt(max(1, A / B))`` (``None`` or ``"original"``, Keller Jordan's) or
    ``lr * 0.2 * sqrt(max(A, B))`` (``"match_rms_adamw"``, Moonshot's: an update RMS like AdamW's)."""
    A, B = shape
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1.0, A / B))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(A, B))
    raise ValueError(f"adjust_lr_fn must be None, 'original' or 'match_rms_adamw', got {adjust_lr_fn!r}")


def muon_step(params, grad, state, *, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
              ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
    """One step of ``torch.optim.Muon`` on one 2-D parameter of shape (A, B).

    state: ``{}`` first, then ``{"momentum_buffer": buf}`` (``buf`` starts at 0).

    - ``buf = momentum * buf + (1 - momentum) * grad`` (an average, not SGD's ``momentum * buf + grad``;
      Newton–Schulz normalises the direction, so the two differ only below ``eps``);
    - the direction is ``(1 - momentum) * grad + momentum * buf`` with ``nesterov``, else ``buf``;
    - ``ortho = newton_schulz(direction, steps=ns_steps, coefficients=ns_coefficients, eps=eps)``;
    - ``params * (1 - lr * weight_decay) - lr_adj * ortho``: the decay uses ``lr`` itself and the update
      the shape-adjusted ``lr_adj`` (:func:`adjusted_lr`).

    Raises ``ValueError`` for a parameter that is not 2-D or an unknown ``adjust_lr_fn``.
    """
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    if params.ndim != 2:
        raise ValueError(f"Muon updates matrices: params must be 2-D, got shape {params.shape} "
                         "(give biases and other parameters to AdamW)")
    lr_adj = adjusted_lr(lr, params.shape, adjust_lr_fn)
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = np.zeros_like(params)
    buf = momentum * buf + (1 - momentum) * g
    direction = (1 - momentum) * g + momentum * buf if nesterov else buf
    ortho = newton_schulz(direction, steps=ns_steps, coefficients=ns_coefficients, eps=eps)
    return params * (1 - lr * weight_decay) - lr_adj * ortho, {"momentum_buffer": buf}
