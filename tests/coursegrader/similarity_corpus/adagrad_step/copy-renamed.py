def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    """Adagrad (torch conventions)."""
    n = state.get("step", 0) + 1
    if "sum" in state:
        acc = state["sum"].copy()      # do not touch the caller's array
    else:
        acc = np.full(params.shape, initial_accumulator_value, dtype=np.float64)
    d = grad.copy()
    if weight_decay:
        d = d + weight_decay * params  # L2
    acc = acc + np.square(d)
    alpha = lr / (1.0 + lr_decay * (n - 1))
    new_params = params - alpha * d / (np.sqrt(acc) + eps)
    return new_params, {"step": n, "sum": acc}
