def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    b1, b2 = betas
    v_prev = state.get("exp_avg_sq", np.zeros_like(params))
    m_prev = state.get("exp_avg", np.zeros_like(params))
    g = grad + weight_decay * params if weight_decay else grad
    step = state.get("step", 0) + 1
    v = b2 * v_prev + (1 - b2) * g ** 2
    m = b1 * m_prev + (1 - b1) * g
    m_hat = m / (1 - b1 ** step)
    out = {"step": step, "exp_avg": m, "exp_avg_sq": v}
    v_use = v
    if amsgrad:
        v_use = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(params)), v)
        out["max_exp_avg_sq"] = v_use
    denom = np.sqrt(v_use) / np.sqrt(1 - b2 ** step) + eps
    return params - lr * m_hat / denom, out
