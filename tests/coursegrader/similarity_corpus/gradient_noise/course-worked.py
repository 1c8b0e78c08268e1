def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    n = len(X)
    if not 1 <= batch_size <= n:
        raise ValueError(f"need 1 <= batch_size <= len(X) = {n}, got batch_size={batch_size}")
    if n_draws < 1:
        raise ValueError(f"need n_draws >= 1, got n_draws={n_draws}")
    g = np.append(*linear_regression_grad(w, b, X, y))
    total = 0.0
    for _ in range(n_draws):
        idx = rng.choice(n, size=batch_size, replace=False)
        g_batch = np.append(*linear_regression_grad(w, b, X[idx], y[idx]))
        total += np.sum((g_batch - g) ** 2)
    return float(total / n_draws)
