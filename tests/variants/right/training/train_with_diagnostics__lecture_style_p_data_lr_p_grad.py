"""lecture style: p.data += -lr * p.grad"""

def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    C, layers = model
    parameters_ = [C] + [p for layer in layers for p in layer.parameters()]
    lossi, log = [], []
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        Xb, Yb = X[ix], Y[ix]
        if i % every == 0:
            log.append(diagnose(model, Xb, Yb, i, lr))
            lossi.append(log[-1]["loss"])
        else:
            x = C[Xb].view(Xb.shape[0], -1)
            for layer in layers:
                x = layer(x)
            loss = F.cross_entropy(x, Yb)
            for p in parameters_:
                p.grad = None
            loss.backward()
            lossi.append(loss.item())
        for p in parameters_:
            p.data += -lr * p.grad
    return lossi, log
