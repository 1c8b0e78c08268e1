def gradient_noise(w, b, X, y, batch_size, n_draws, rng):
    """How noisy is a minibatch gradient?"""
    size = X.shape[0]
    if batch_size < 1 or batch_size > size:
        raise ValueError("batch size out of range")
    if n_draws < 1:
        raise ValueError("need at least one draw")
    gw, gb = linear_regression_grad(w, b, X, y)
    reference = np.concatenate([gw, [gb]])   # full-data gradient
    dists = []
    for _ in range(n_draws):
        pick = rng.choice(size, size=batch_size, replace=False)
        bw, bb = linear_regression_grad(w, b, X[pick], y[pick])
        delta = np.concatenate([bw, [bb]]) - reference
        dists.append(np.dot(delta, delta))  # squared norm
    return float(np.mean(dists))
