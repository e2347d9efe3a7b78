"""torch.optim.SGD over the parameters"""

def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    opt = torch.optim.SGD(params, lr=lr)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        Xb, Yb = X[ix], Y[ix]
        if step % every == 0:
            entry = diagnose(model, Xb, Yb, step, lr)
            log.append(entry)
            losses.append(entry["loss"])
        else:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(forward(model, Xb), Yb)
            loss.backward()
            losses.append(loss.item())
        opt.step()
    return losses, log
