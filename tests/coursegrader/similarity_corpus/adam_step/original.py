def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    b1, b2 = betas
    step = state.get("step", 0) + 1
    g = grad + weight_decay * params if weight_decay else grad
    m_prev = state.get("exp_avg", np.zeros_like(params))
    v_prev = state.get("exp_avg_sq", np.zeros_like(params))
    m = b1 * m_prev + (1 - b1) * g
    v = b2 * v_prev + (1 - b2) * g ** 2
    out = {"step": step, "exp_avg": m, "exp_avg_sq": v}
    v_use = v
    if amsgrad:
        v_use = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(params)), v)
        out["max_exp_avg_sq"] = v_use
    m_hat = m / (1 - b1 ** step)
    denom = np.sqrt(v_use) / np.sqrt(1 - b2 ** step) + eps
    return params - lr * m_hat / denom, out
