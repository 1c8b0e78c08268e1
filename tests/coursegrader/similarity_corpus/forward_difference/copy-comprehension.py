def forward_difference(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    f0 = f(x)

    def bumped(k):
        b = flat.copy()
        b[k] = b[k] + eps
        return b

    parts = [(f(bumped(k).reshape(x.shape)) - f0) / eps for k in range(flat.size)]
    return np.array(parts).reshape(x.shape)
