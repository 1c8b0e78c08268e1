def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    new = params.copy()
    acc = state["sum"].copy() if state else np.full(params.shape, initial_accumulator_value)
    t = state.get("step", 0) + 1
    for i in np.ndindex(params.shape):
        g = grad[i] + weight_decay * params[i]
        acc[i] += g ** 2
        new[i] -= lr / (1 + (t - 1) * lr_decay) * g / (acc[i] ** 0.5 + eps)
    return new, {"step": t, "sum": acc}
