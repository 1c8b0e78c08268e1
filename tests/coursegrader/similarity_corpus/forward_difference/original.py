def forward_difference(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    flat = x.ravel()
    f0 = f(x)
    parts = []
    for k in range(flat.size):
        bumped = flat.copy()
        bumped[k] = bumped[k] + eps
        parts.append((f(bumped.reshape(x.shape)) - f0) / eps)
    return np.array(parts).reshape(x.shape)
