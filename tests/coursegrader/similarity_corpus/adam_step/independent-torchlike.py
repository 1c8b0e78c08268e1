def adam_step(params, grad, state, *, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    p = params.copy()
    d_p = grad.copy()
    if weight_decay != 0:
        d_p += weight_decay * p
    st = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    if len(st) == 0:
        st["step"] = 0
        st["exp_avg"] = np.zeros_like(p)
        st["exp_avg_sq"] = np.zeros_like(p)
        if amsgrad:
            st["max_exp_avg_sq"] = np.zeros_like(p)
    st["step"] += 1
    st["exp_avg"] *= betas[0]
    st["exp_avg"] += (1 - betas[0]) * d_p
    st["exp_avg_sq"] *= betas[1]
    st["exp_avg_sq"] += (1 - betas[1]) * d_p * d_p
    if amsgrad:
        np.maximum(st["max_exp_avg_sq"], st["exp_avg_sq"], out=st["max_exp_avg_sq"])
        den = np.sqrt(st["max_exp_avg_sq"]) / np.sqrt(1 - betas[1] ** st["step"]) + eps
    else:
        den = np.sqrt(st["exp_avg_sq"]) / np.sqrt(1 - betas[1] ** st["step"]) + eps
    p -= lr / (1 - betas[0] ** st["step"]) * st["exp_avg"] / den
    return p, st
