def minibatches(X, y, batch_size, rng=None):
    if rng is not None:
        p = rng.permutation(len(X))
        X, y = X[p], y[p]
    n_batches = -(-len(X) // batch_size)
    return [(X[k * batch_size:(k + 1) * batch_size], y[k * batch_size:(k + 1) * batch_size]) for k in range(n_batches)]
