def gradient_descent(grad_f, x0, lr, n_steps):
    schedule = lr if callable(lr) else (lambda t: lr)
    path, t = [x0.astype(np.float64)], 0
    while t < n_steps:
        path.append(path[-1] - schedule(t) * np.asarray(grad_f(path[-1])))
        t += 1
    return np.array(path)
