def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = np.zeros(epochs)
    for e in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            dw, db = linear_regression_grad(w, b, Xb, yb)
            w = w - lr * dw
            b = b - lr * db
        losses[e] = mse_loss(X @ w + b, y)
    return w, float(b), losses
