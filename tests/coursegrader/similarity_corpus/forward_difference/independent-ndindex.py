def forward_difference(f, x, eps=1e-6):
    point = np.array(x, dtype=np.float64)
    base = f(point)
    out = np.empty_like(point)
    for idx in np.ndindex(point.shape):
        saved = point[idx]
        point[idx] = saved + eps
        out[idx] = (f(point.copy()) - base) / eps
        point[idx] = saved
    return out
