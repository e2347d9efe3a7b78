"""the rates in reverse order"""

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    losses = []
    for lr in reversed(list(lrs)):
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=float(lr), generator=generator)
    return losses
