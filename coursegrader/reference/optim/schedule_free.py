"""Schedule-free SGD (Defazio et al., 2024, "The Road Less Scheduled"), exactly
``schedulefree.SGDScheduleFreeReference`` as a pure function."""
from __future__ import annotations

import numpy as np


def schedule_free_sgd_step(params, grad, state, *, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0,
                           r=0.0, weight_lr_power=2.0):
    """One step of schedule-free SGD.

    params: the point ``y`` where ``grad`` was taken (float64 arrays of one shape). On the first call
    (``state = {}``) ``z = x = y = params``. The state is
    ``{"k", "lr_max", "weight_sum", "z", "x"}``; ``state["x"]`` is the averaged point, the one to
    evaluate and deploy.

    Step k (counted from 0; ``state["k"]`` is the number of steps already taken):

    - ``lr_k = lr * (k + 1) / warmup_steps`` while ``k < warmup_steps``, else ``lr``;
      ``lr_max = max(lr_max, lr_k)``;
    - ``weight = (k + 1)**r * lr_max**weight_lr_power``; ``c = weight / (sum of the weights so far,
      this one included)``, 0 when that sum is 0;
    - ``g = grad + weight_decay * y``; ``z = z - lr_k * g`` (a plain SGD step);
      ``x = (1 - c) * x + c * z`` (a running weighted average of the z's);
      ``y = momentum * x + (1 - momentum) * z``, returned as the new parameters.

    With ``r = 0`` and no warm-up every weight is the same and ``c = 1 / (k + 1)``: ``x`` is the plain
    average of ``z_1 ... z_{k+1}``. Nothing is modified in place.
    """
    y = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    k = state.get("k", 0)
    z = state.get("z", y)
    x = state.get("x", y)
    lr_k = lr * (k + 1) / warmup_steps if k < warmup_steps else lr
    lr_max = max(state.get("lr_max", -1.0), lr_k)
    weight = (k + 1) ** r * lr_max ** weight_lr_power
    weight_sum = state.get("weight_sum", 0.0) + weight
    c = weight / weight_sum if weight_sum != 0 else 0.0
    if weight_decay != 0:
        g = g + weight_decay * y
    z = z - lr_k * g
    x = (1 - c) * x + c * z
    y = momentum * x + (1 - momentum) * z
    return y, {"k": k + 1, "lr_max": lr_max, "weight_sum": weight_sum, "z": z, "x": x}
