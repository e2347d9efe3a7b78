"""minibatches instead of the whole batch"""

def overfit_batch(params, X, Y, steps=300, lr=0.1):
    return mlp.train(params, X, Y, steps, batch_size=8, lr=lr)
