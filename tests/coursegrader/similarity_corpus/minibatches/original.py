def minibatches(X, y, batch_size, rng=None):
    n = len(X)
    if rng is None:
        order = np.arange(n)
    else:
        order = rng.permutation(n)
    batches = []
    for start in range(0, n, batch_size):
        chosen = order[start:start + batch_size]
        batches.append((X[chosen], y[chosen]))
    return batches
