def forward_difference(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    steps = eps * np.eye(x.size)
    fx = f(x)
    return np.array([(f(x + s.reshape(x.shape)) - fx) / eps for s in steps]).reshape(x.shape)
