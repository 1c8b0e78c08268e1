def minibatches(X, y, batch_size, rng=None):
    idx = np.arange(len(X)) if rng is None else rng.permutation(len(X))
    out, start = [], 0
    while start < len(idx):
        stop = min(start + batch_size, len(idx))
        out.append((X[idx[start:stop]], y[idx[start:stop]]))
        start = stop
    return out
