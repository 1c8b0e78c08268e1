def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    beta1, beta2 = betas
    zeros = np.zeros_like(params)
    t = state.get("step", 0) + 1
    g = grad + weight_decay * params
    m = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    v = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    new_state = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        v = np.maximum(state.get("max_exp_avg_sq", zeros), v)
        new_state["max_exp_avg_sq"] = v
    denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps
    return params - lr / (1 - beta1 ** t) * m / denom, new_state
