def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    """Adam, as in torch."""
    beta_a, beta_b = betas
    t = state.get("step", 0) + 1            # first call: t = 1
    gr = grad + weight_decay * params if weight_decay else grad
    first = state.get("exp_avg", np.zeros_like(params))
    second = state.get("exp_avg_sq", np.zeros_like(params))
    mom = beta_a * first + (1 - beta_a) * gr
    vel = beta_b * second + (1 - beta_b) * gr ** 2
    new_state = {"step": t, "exp_avg": mom, "exp_avg_sq": vel}
    vv = vel
    if amsgrad:
        # keep the running max
        vv = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(params)), vel)
        new_state["max_exp_avg_sq"] = vv
    corrected = mom / (1 - beta_a ** t)
    bottom = np.sqrt(vv) / np.sqrt(1 - beta_b ** t) + eps
    return params - lr * corrected / bottom, new_state
