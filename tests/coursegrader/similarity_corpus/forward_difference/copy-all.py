def forward_difference(f, x, eps=1e-6):
    """Gradient by forward differences."""
    point = np.asarray(x, dtype=np.float64)
    fx = f(point)                      # value at the point
    coords = point.ravel()
    shifted = [coords.copy() for _ in range(coords.size)]
    for i in range(coords.size):
        shifted[i][i] += eps           # one coordinate each
    estimates = [(f(s.reshape(point.shape)) - fx) / eps for s in shifted]
    return np.array(estimates).reshape(point.shape)
