def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    n, d = X.shape
    history = []
    b = 0.0
    w = np.zeros(d)
    for epoch in range(epochs):
        for xb, yb in minibatches(X, y, batch_size, rng):
            grad_w, grad_b = linear_regression_grad(w, b, xb, yb)
            w = w - lr * grad_w
            b = b - lr * grad_b
        history.append(mse_loss(X @ w + b, y))
    return w, float(b), np.array(history)
