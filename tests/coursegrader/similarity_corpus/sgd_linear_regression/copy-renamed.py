def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    """Minibatch SGD for least squares."""
    num, dim = X.shape
    weights = np.zeros(dim)   # start at zero
    bias = 0.0
    losses = []
    for ep in range(epochs):
        # one pass over shuffled batches
        for inputs, targets in minibatches(X, y, batch_size, rng):
            gw, gb = linear_regression_grad(weights, bias, inputs, targets)
            bias = bias - lr * gb
            weights = weights - lr * gw
        losses.append(mse_loss(X @ weights + bias, y))  # full-data loss
    return weights, float(bias), np.array(losses)
