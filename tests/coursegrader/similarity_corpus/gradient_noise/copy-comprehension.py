def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    n = X.shape[0]
    if batch_size < 1 or batch_size > n:
        raise ValueError("batch_size must be between 1 and len(X)")
    if n_draws < 1:
        raise ValueError("n_draws must be at least 1")
    full_w, full_b = linear_regression_grad(w, b, X, y)
    full = np.concatenate([full_w, [full_b]])
    draws = [rng.choice(n, size=batch_size, replace=False) for _ in range(n_draws)]
    sq = []
    for rows in draws:
        part_w, part_b = linear_regression_grad(w, b, X[rows], y[rows])
        diff = np.concatenate([part_w, [part_b]]) - full
        sq.append(np.dot(diff, diff))
    return float(np.mean(sq))
