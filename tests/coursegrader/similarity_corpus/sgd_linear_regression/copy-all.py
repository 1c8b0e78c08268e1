def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    """SGD on the MSE."""
    m, k = X.shape
    curve = []
    intercept = 0.0
    coef = np.zeros(k)
    for _ in range(epochs):
        batch_list = [(a, t) for a, t in minibatches(X, y, batch_size, rng)]
        for a, t in batch_list:
            dc, di = linear_regression_grad(coef, intercept, a, t)
            coef = coef - lr * dc       # weights
            intercept = intercept - lr * di
        curve.append(mse_loss(X @ coef + intercept, y))
    return coef, float(intercept), np.array(curve)
