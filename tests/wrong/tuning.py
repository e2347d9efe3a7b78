"""Common wrong versions of lecture 3's learning-rate finder and sanity check (see tests/wrong/__init__.py)."""

CASES = [
    ("tuning.lr_finder", "the rates in reverse order", '''
def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    losses = []
    for lr in reversed(list(lrs)):
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=float(lr), generator=generator)
    return losses
''', "steps"),
    ("tuning.lr_finder", "a copy trained, params left as they were", '''
def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    params = {k: v.detach().clone().requires_grad_() for k, v in params.items()}
    losses = []
    for lr in lrs:
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=float(lr), generator=generator)
    return losses
''', "inplace"),
    ("tuning.pick_lr", "the single lowest loss", '''
def pick_lr(lrs, losses, window=50):
    losses = [float(v) for v in losses]
    return float(lrs[losses.index(min(losses))])
''', "smooth"),
    ("tuning.overfit_batch", "minibatches instead of the whole batch", '''
def overfit_batch(params, X, Y, steps=300, lr=0.1):
    return mlp.train(params, X, Y, steps, batch_size=8, lr=lr)
''', "full"),
    ("tuning.overfit_batch", "gradients never cleared", '''
def overfit_batch(params, X, Y, steps=300, lr=0.1):
    losses = []
    for _ in range(steps):
        loss = mlp.cross_entropy(mlp.forward(params, X), Y)
        loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
''', "full"),
    ("tuning.lr_finder", "one minibatch drawn once, reused for every rate", '''
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
''', "steps"),
    ("tuning.lr_finder", "lrs taken as exponents (10 ** lr)", '''
def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    losses = []
    for e in lrs:
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=10 ** float(e), generator=generator)
    return losses
''', "steps"),
    ("tuning.pick_lr", "a running mean over the window that starts at each position", '''
def pick_lr(lrs, losses, window=50):
    values = [float(v) for v in losses]
    smooth = [sum(values[i:i + window]) / len(values[i:i + window]) for i in range(len(values))]
    return float(lrs[smooth.index(min(smooth))])
''', "smooth"),
    ("tuning.overfit_batch", "the L2 term of the bigram exercise left on", '''
def overfit_batch(params, X, Y, steps=300, lr=0.1):
    losses = []
    for _ in range(steps):
        loss = mlp.cross_entropy(mlp.forward(params, X), Y) + 0.01 * (params["W2"] ** 2).mean()
        for p in params.values():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
''', "full"),
]
