def gradient_descent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    trajectory = [x.copy()]
    for t in range(n_steps):
        rate = lr(t) if callable(lr) else lr
        g = grad_f(x)
        x = x - rate * g
        trajectory.append(x.copy())
    return np.stack(trajectory)
