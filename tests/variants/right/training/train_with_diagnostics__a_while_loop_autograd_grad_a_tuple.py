"""a while loop, autograd.grad, a tuple"""

def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log, step = [], [], 0
    while step < steps:
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        if step % every:
            loss = F.cross_entropy(forward(model, X[ix]), Y[ix])
            grads = torch.autograd.grad(loss, params)
            value = loss.item()
        else:
            entry = diagnose(model, X[ix], Y[ix], step, lr)
            log.append(entry)
            grads = [p.grad for p in params]
            value = float(entry["loss"])
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
        losses.append(value)
        step += 1
    return (losses, log)
