def gradient_descent(grad_f, x0, lr, n_steps):
    """Plain gradient descent; returns every iterate."""
    current = np.array(x0, dtype=np.float64)   # copy of the start
    iterates = [current.copy()]
    for step_index in range(n_steps):
        eta = lr(step_index) if callable(lr) else lr  # schedule or constant
        direction = grad_f(current)
        current = current - eta * direction
        iterates.append(current.copy())
    return np.stack(iterates)
