def minibatches(X, y, batch_size, rng=None):
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]]) for i in range(0, len(X), batch_size)]
