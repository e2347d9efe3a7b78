"""torch.optim.SGD with a LambdaLR scheduler"""

def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    opt = torch.optim.SGD(params.values(), lr=1.0 if callable(lr) else lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr) if callable(lr) else None
    losses = []
    for _ in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses
