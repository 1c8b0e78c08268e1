def minibatches(X, y, batch_size, rng=None):
    X = np.asarray(X)
    y = np.asarray(y)
    n = len(X)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, n, batch_size)]
