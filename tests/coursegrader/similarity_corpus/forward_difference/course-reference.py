def forward_difference(f, x, eps=1e-6):
    """``(f(x + eps*e_i) - f(x)) / eps`` for every coordinate i."""
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    return np.array([(f(x + eps * _basis(x, i)) - fx) / eps for i in range(x.size)]).reshape(x.shape)
