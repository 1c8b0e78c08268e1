def gradient_descent(grad_f, x0, lr, n_steps):
    x = np.array(x0, dtype=np.float64)
    trajectory = [x.copy()]
    rates = [lr(t) if callable(lr) else lr for t in range(n_steps)]
    for rate in rates:
        g = grad_f(x)
        x = x - rate * g
        trajectory.append(x.copy())
    return np.stack(trajectory)
