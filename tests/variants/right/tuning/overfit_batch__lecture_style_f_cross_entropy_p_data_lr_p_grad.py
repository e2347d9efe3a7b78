"""lecture style: F.cross_entropy, p.data += -lr * p.grad"""

import torch.nn.functional as F

def overfit_batch(params, X, Y, steps=300, lr=0.1):
    lossi = []
    for _ in range(steps):
        logits = mlp.forward(params, X)
        loss = F.cross_entropy(logits, Y)
        for p in params.values():
            p.grad = None
        loss.backward()
        for p in params.values():
            p.data += -lr * p.grad
        lossi.append(loss.item())
    return lossi
