def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    """Adaptive gradient step."""
    gg = grad.copy()
    if weight_decay:
        gg = gg + weight_decay * params   # coupled decay
    k = state.get("step", 0) + 1
    if "sum" in state:
        hist = state["sum"].copy()
    else:
        hist = np.full(params.shape, initial_accumulator_value, dtype=np.float64)
    clr = lr / (1.0 + lr_decay * (k - 1))
    hist = hist + np.square(gg)
    out = params - clr * gg / (np.sqrt(hist) + eps)
    return out, {"step": k, "sum": hist}
