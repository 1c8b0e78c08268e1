def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    """One Adam update."""
    beta1, beta2 = betas
    sq_old = state.get("exp_avg_sq", np.zeros_like(params))
    avg_old = state.get("exp_avg", np.zeros_like(params))
    d = grad + weight_decay * params if weight_decay else grad
    n = state.get("step", 0) + 1
    sq = beta2 * sq_old + (1 - beta2) * d ** 2   # second moment
    avg = beta1 * avg_old + (1 - beta1) * d      # first moment
    unbiased = avg / (1 - beta1 ** n)
    res = {"step": n, "exp_avg": avg, "exp_avg_sq": sq}
    use = sq
    if amsgrad:
        use = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(params)), sq)
        res["max_exp_avg_sq"] = use
    scale = np.sqrt(use) / np.sqrt(1 - beta2 ** n) + eps
    return params - lr * unbiased / scale, res
