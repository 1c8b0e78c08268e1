def forward_difference(f, x, eps=1e-6):
    """Forward differences (my own implementation)."""
    # work on floats
    pt = np.asarray(x, dtype=np.float64)
    v = pt.ravel()  # flat view of the point
    base_value = f(pt)
    result = []
    for j in range(v.size):
        moved = v.copy()
        moved[j] = moved[j] + eps  # nudge coordinate j
        result.append((f(moved.reshape(pt.shape)) - base_value) / eps)
    return np.array(result).reshape(pt.shape)
