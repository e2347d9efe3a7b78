"""the diagnosis taken after the update"""

def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        loss = F.cross_entropy(forward(model, X[ix]), Y[ix])
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        if step % every == 0:
            log.append(diagnose(model, X[ix], Y[ix], step, lr))
        losses.append(loss.item())
    return losses, log
