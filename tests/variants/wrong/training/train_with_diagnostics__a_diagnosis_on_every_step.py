"""a diagnosis on every step"""

def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        entry = diagnose(model, X[ix], Y[ix], step, lr)
        log.append(entry)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(entry["loss"])
    return losses, log
