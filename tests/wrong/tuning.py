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
]
