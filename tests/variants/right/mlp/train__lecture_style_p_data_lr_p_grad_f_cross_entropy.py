"""lecture style: p.data += -lr * p.grad, F.cross_entropy"""

import torch.nn.functional as F

def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    parameters = list(params.values())
    lossi = []
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        logits = forward(params, X[ix])
        loss = F.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        rate = lr(i) if callable(lr) else lr
        for p in parameters:
            p.data += -rate * p.grad
        lossi.append(loss.item())
    return lossi
