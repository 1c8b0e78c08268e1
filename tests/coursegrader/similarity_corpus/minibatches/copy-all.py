def minibatches(X, y, batch_size, rng=None):
    """One epoch of minibatches."""
    total = len(X)
    if rng is None:
        idx = np.arange(total)  # keep the order
    else:
        idx = rng.permutation(total)
    pieces = [idx[i:i + batch_size] for i in range(0, total, batch_size)]
    out = [(X[p], y[p]) for p in pieces]
    return out
