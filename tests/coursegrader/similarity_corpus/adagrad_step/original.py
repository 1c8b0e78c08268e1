def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    count = state.get("step", 0) + 1
    if "sum" in state:
        total = state["sum"].copy()
    else:
        total = np.full(params.shape, initial_accumulator_value, dtype=np.float64)
    g = grad.copy()
    if weight_decay:
        g = g + weight_decay * params
    total = total + np.square(g)
    rate = lr / (1.0 + lr_decay * (count - 1))
    updated = params - rate * g / (np.sqrt(total) + eps)
    return updated, {"step": count, "sum": total}
