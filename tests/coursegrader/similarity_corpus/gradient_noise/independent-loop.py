def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    if not (1 <= batch_size <= len(X)) or n_draws < 1:
        raise ValueError(f"batch_size={batch_size} must be in [1, {len(X)}] and n_draws={n_draws} >= 1")
    full = np.append(*lrg_loop(w, b, X, y))
    total = 0.0
    for _ in range(n_draws):
        rows = rng.choice(len(X), size=batch_size, replace=False)
        part = np.append(*lrg_loop(w, b, X[rows], y[rows]))
        total = total + (part - full) @ (part - full)
    return total / n_draws
