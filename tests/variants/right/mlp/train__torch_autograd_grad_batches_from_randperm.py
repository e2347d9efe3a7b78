"""torch.autograd.grad, batches from randperm"""

def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    names = list(params)
    losses = []
    for step in range(steps):
        ix = torch.randperm(X.shape[0], generator=generator)[:batch_size]
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        grads = torch.autograd.grad(loss, [params[k] for k in names])
        rate = lr(step) if callable(lr) else lr
        with torch.no_grad():
            for k, g in zip(names, grads):
                params[k].sub_(rate * g)
        losses.append(loss.detach())          # 0-d tensors: numbers too
    return losses
