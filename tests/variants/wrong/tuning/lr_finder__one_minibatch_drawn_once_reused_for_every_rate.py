"""one minibatch drawn once, reused for every rate"""

import torch.nn.functional as F

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
    losses = []
    for lr in lrs:
        loss = F.cross_entropy(mlp.forward(params, X[ix]), Y[ix])
        for p in params.values():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= float(lr) * p.grad
        losses.append(loss.item())
    return losses
