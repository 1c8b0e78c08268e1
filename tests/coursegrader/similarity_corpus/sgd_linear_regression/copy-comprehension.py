def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    history = []
    for epoch in range(epochs):
        batches = [(xb, yb) for xb, yb in minibatches(X, y, batch_size, rng)]
        for xb, yb in batches:
            grad_w, grad_b = linear_regression_grad(w, b, xb, yb)
            b = b - lr * grad_b
            w = w - lr * grad_w
        history.append(mse_loss(X @ w + b, y))
    return w, float(b), np.array(history)
