"""lecture style: its own loop, p.data += -lr * p.grad"""

import torch.nn.functional as F

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    lossi = []
    for lr in lrs:
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        loss = F.cross_entropy(mlp.forward(params, X[ix]), Y[ix])
        for p in params.values():
            p.grad = None
        loss.backward()
        for p in params.values():
            p.data += -float(lr) * p.grad
        lossi.append(loss.item())
    return lossi
