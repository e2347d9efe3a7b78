"""mlp.train once per rate, a tuple"""

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    out = ()
    for lr in list(lrs):
        out += tuple(mlp.train(params, X, Y, 1, batch_size=batch_size, lr=float(lr), generator=generator))
    return out
