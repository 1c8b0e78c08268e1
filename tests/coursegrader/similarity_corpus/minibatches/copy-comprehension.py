def minibatches(X, y, batch_size, rng=None):
    n = len(X)
    if rng is None:
        order = np.arange(n)
    else:
        order = rng.permutation(n)
    chunks = [order[start:start + batch_size] for start in range(0, n, batch_size)]
    batches = [(X[chosen], y[chosen]) for chosen in chunks]
    return batches
