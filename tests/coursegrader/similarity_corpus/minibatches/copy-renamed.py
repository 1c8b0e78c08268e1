def minibatches(X, y, batch_size, rng=None):
    """Batches for one epoch."""
    count = len(X)
    # shuffle only when a generator is given
    if rng is None:
        perm = np.arange(count)
    else:
        perm = rng.permutation(count)
    result = []
    for s in range(0, count, batch_size):
        rows = perm[s:s + batch_size]   # this batch's rows
        result.append((X[rows], y[rows]))
    return result
