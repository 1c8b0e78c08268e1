def gradient_descent(grad_f, x0, lr, n_steps):
    out = np.zeros((n_steps + 1, len(x0)))
    x = x0.copy()
    out[0] = x
    for t in range(n_steps):
        x -= (lr(t) if callable(lr) else lr) * grad_f(x)  # in place, but on a copy
        out[t + 1] = x
    return out
