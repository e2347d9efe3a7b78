"""a copy trained, the untrained parameters returned"""

def beat_217(train_words, stoi, generator=None):
    X, Y = mlp.build_dataset(train_words, stoi, block_size=3)
    params = mlp.init_params(len(stoi), 3, generator=generator)
    trained = {k: v.detach().clone().requires_grad_() for k, v in params.items()}
    mlp.train(trained, X, Y, steps=200, batch_size=256, lr=0.1, generator=generator)
    return params
