def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = np.empty(epochs)
    for e in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            dw, db = linear_regression_grad(w, b, Xb, yb)
            w = w - lr * dw
            b = b - lr * db
        losses[e] = mse_loss(X @ w + b, y)
    return w, float(b), losses
