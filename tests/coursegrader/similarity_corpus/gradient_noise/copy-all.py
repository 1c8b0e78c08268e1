def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    """Mean squared distance of minibatch gradients."""
    N = X.shape[0]
    if n_draws < 1:
        raise ValueError("n_draws too small")
    if batch_size < 1 or batch_size > N:
        raise ValueError("bad batch size")
    out = []
    a, c = linear_regression_grad(w, b, X, y)
    g = np.concatenate([a, [c]])
    samples = [rng.choice(N, size=batch_size, replace=False) for _ in range(n_draws)]
    for s in samples:
        sa, sc = linear_regression_grad(w, b, X[s], y[s])
        e = np.concatenate([sa, [sc]]) - g   # error vector
        out.append(np.dot(e, e))
    return float(np.mean(out))
