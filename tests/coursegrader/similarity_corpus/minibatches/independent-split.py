def minibatches(X, y, batch_size, rng=None):
    order = np.arange(len(X))
    if rng is not None:
        order = rng.permutation(len(X))
    cuts = np.arange(batch_size, len(X), batch_size)
    return list(zip(np.split(X[order], cuts), np.split(y[order], cuts)))
