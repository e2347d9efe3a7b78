"""torch.optim.SGD, 0-d tensors"""

def overfit_batch(params, X, Y, steps=300, lr=0.1):
    opt = torch.optim.SGD(list(params.values()), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = mlp.cross_entropy(mlp.forward(params, X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses
