def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(X)
    if not 1 <= batch_size <= n:
        raise ValueError(f"gradient_noise needs 1 <= batch_size <= len(X) = {n} (a batch is drawn without "
                         f"replacement), got batch_size={batch_size!r}")
    if n_draws < 1:
        raise ValueError(f"gradient_noise averages over n_draws >= 1 draws, got n_draws={n_draws!r}")
    dw, db = linear_regression_grad(w, b, X, y)
    g = np.append(dw, db)
    total = 0.0
    for _ in range(n_draws):
        idx = rng.choice(n, size=batch_size, replace=False)
        dw_b, db_b = linear_regression_grad(w, b, X[idx], y[idx])
        total += float(np.sum((np.append(dw_b, db_b) - g) ** 2))
    return total / n_draws
