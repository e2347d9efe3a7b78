"""a copy trained, params left as they were"""

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    params = {k: v.detach().clone().requires_grad_() for k, v in params.items()}
    losses = []
    for lr in lrs:
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=float(lr), generator=generator)
    return losses
