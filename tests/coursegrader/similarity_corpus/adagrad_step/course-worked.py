def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
    t = state.get("step", 0) + 1
    s = state.get("sum", np.full_like(params, initial_accumulator_value))
    g = grad + weight_decay * params
    s = s + g * g
    clr = lr / (1 + (t - 1) * lr_decay)
    new_params = params - clr * g / (np.sqrt(s) + eps)
    return new_params, {"step": t, "sum": s}
