def gradient_descent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    path = [x]
    for t in range(n_steps):
        step = lr(t) if callable(lr) else lr
        x = x - step * grad_f(x)
        path.append(x)
    return np.array(path)
