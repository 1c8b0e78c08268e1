def gradient_descent(grad_f, x0, lr, n_steps):
    xs = [np.array(x0, dtype=float)]
    for t in range(n_steps):
        rate = lr(t) if callable(lr) else lr
        xs.append(xs[-1] - rate * grad_f(xs[-1]))
    return np.stack(xs)
