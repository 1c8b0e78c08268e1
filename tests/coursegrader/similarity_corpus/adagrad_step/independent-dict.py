def adagrad_step(params, grad, state, *, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10):
    new_state = {"step": state.get("step", 0) + 1}
    effective = grad + weight_decay * params if weight_decay > 0 else grad
    previous = state["sum"] if state else initial_accumulator_value * np.ones_like(params)
    new_state["sum"] = previous + effective ** 2
    decayed_lr = lr / (1 + lr_decay * (new_state["step"] - 1))
    return params - decayed_lr * effective / (new_state["sum"] ** 0.5 + eps), new_state
