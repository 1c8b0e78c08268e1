def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    if not state:
        state = {"step": 0, "exp_avg": np.zeros(params.shape), "exp_avg_sq": np.zeros(params.shape)}
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros(params.shape)
    new = dict(state)
    new["step"] = state["step"] + 1
    grad = grad + weight_decay * params
    new["exp_avg"] = betas[0] * state["exp_avg"] + (1.0 - betas[0]) * grad
    new["exp_avg_sq"] = betas[1] * state["exp_avg_sq"] + (1.0 - betas[1]) * np.square(grad)
    second = new["exp_avg_sq"]
    if amsgrad:
        new["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], second)
        second = new["max_exp_avg_sq"]
    step_size = lr / (1.0 - betas[0] ** new["step"])
    denom = np.sqrt(second / (1.0 - betas[1] ** new["step"])) + eps
    return params - step_size * new["exp_avg"] / denom, new
