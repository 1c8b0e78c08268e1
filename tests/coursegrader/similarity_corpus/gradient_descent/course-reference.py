def gradient_descent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)  # a copy: x0 is never modified
    path = np.empty((n_steps + 1,) + x.shape, dtype=np.float64)
    path[0] = x
    for t in range(n_steps):
        step = lr(t) if callable(lr) else lr
        x = x - step * np.asarray(grad_f(x), dtype=np.float64)
        path[t + 1] = x
    return path
