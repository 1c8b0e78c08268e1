def forward_difference(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    fx = f(x)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - fx) / eps
    return grad
