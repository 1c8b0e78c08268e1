def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    w, b, losses = np.zeros(X.shape[1]), np.zeros(1), []
    for _ in range(epochs):
        for Xb, yb in mb_while(X, y, batch_size, rng):
            r = Xb @ w + b[0] - yb
            w -= lr * 2 * Xb.T @ r / len(yb)
            b -= lr * 2 * r.mean()
        losses.append(mse_loss(X @ w + b[0], y))
    return w, float(b[0]), np.array(losses)
