def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    params = np.asarray(params, dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    beta1, beta2 = betas
    zeros = np.zeros_like(params)
    t = state.get("step", 0) + 1
    if weight_decay != 0:
        g = g + weight_decay * params
    exp_avg = beta1 * state.get("exp_avg", zeros) + (1 - beta1) * g
    exp_avg_sq = beta2 * state.get("exp_avg_sq", zeros) + (1 - beta2) * g * g
    new_state = {"step": t, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    bias_correction1 = 1 - beta1 ** t
    bias_correction2 = 1 - beta2 ** t
    if amsgrad:
        second = np.maximum(state.get("max_exp_avg_sq", zeros), exp_avg_sq)
        new_state["max_exp_avg_sq"] = second
    else:
        second = exp_avg_sq
    denom = np.sqrt(second) / math.sqrt(bias_correction2) + eps
    return params - (lr / bias_correction1) * exp_avg / denom, new_state
