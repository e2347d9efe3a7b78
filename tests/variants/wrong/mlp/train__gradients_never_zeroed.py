"""gradients never zeroed"""

def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    losses = []
    for step in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        loss.backward()
        rate = lr(step) if callable(lr) else lr
        for p in params.values():
            p.data -= rate * p.grad
        losses.append(loss.item())
    return losses
