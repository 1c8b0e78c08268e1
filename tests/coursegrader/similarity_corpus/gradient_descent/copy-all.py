def gradient_descent(grad_f, x0, lr, n_steps):
    """Gradient descent from x0."""
    steps = [lr(k) if callable(lr) else lr for k in range(n_steps)]  # learning rates
    point = np.array(x0, dtype=np.float64)
    visited = [point.copy()]
    for eta in steps:
        d = grad_f(point)
        point = point - eta * d
        visited.append(point.copy())
    return np.stack(visited)
