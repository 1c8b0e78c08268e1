def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    N = len(X)
    if batch_size not in range(1, N + 1):
        raise ValueError("batch_size must lie in 1..N")
    if n_draws <= 0:
        raise ValueError("n_draws must be positive")
    def grad(Xs, ys):
        r = Xs @ w + b - ys
        return np.concatenate((2 * Xs.T @ r / len(ys), [2 * r.mean()]))
    g = grad(X, y)
    errs = np.zeros(n_draws)
    for k in range(n_draws):
        pick = rng.choice(N, size=batch_size, replace=False)
        errs[k] = np.linalg.norm(grad(X[pick], y[pick]) - g) ** 2
    return float(errs.mean())
