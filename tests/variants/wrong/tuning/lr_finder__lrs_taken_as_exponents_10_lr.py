"""lrs taken as exponents (10 ** lr)"""

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    losses = []
    for e in lrs:
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=10 ** float(e), generator=generator)
    return losses
