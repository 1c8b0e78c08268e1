def sgd_linear_regression(X, y, lr, batch_size, epochs, rng):
    theta = np.zeros(X.shape[1] + 1)
    out = np.zeros(epochs)
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng):
            gw, gb = linear_regression_grad(theta[:-1], theta[-1], Xb, yb)
            theta = theta - lr * np.append(gw, gb)
        pred = X @ theta[:-1] + theta[-1]
        out[epoch] = np.mean((pred - y) ** 2)
    return theta[:-1], float(theta[-1]), out
