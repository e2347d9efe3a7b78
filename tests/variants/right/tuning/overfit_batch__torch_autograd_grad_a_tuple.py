"""torch.autograd.grad, a tuple"""

def overfit_batch(params, X, Y, steps=300, lr=0.1):
    names = list(params)
    losses = []
    for _ in range(steps):
        loss = mlp.cross_entropy(mlp.forward(params, X), Y)
        grads = torch.autograd.grad(loss, [params[k] for k in names])
        with torch.no_grad():
            for k, g in zip(names, grads):
                params[k].sub_(lr * g)
        losses.append(loss.item())
    return tuple(losses)
