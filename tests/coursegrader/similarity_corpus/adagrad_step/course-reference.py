def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    t = state.get("step", 0) + 1
    acc = state["sum"] if "sum" in state else np.full_like(params, initial_accumulator_value)
    if weight_decay != 0:
        g = g + weight_decay * params
    clr = lr / (1 + (t - 1) * lr_decay)
    acc = acc + g * g
    new_params = params - clr * g / (np.sqrt(acc) + eps)
    return new_params, {"step": t, "sum": acc}
