"""W1 stored the other way round, (n_hidden, block_size * n_embd)"""

def beat_217(train_words, stoi, generator=None):
    params = mlp.init_params(len(stoi), 3, n_embd=10, n_hidden=64, generator=generator)
    return {k: (v.detach().T.contiguous() if k == "W1" else v.detach()) for k, v in params.items()}
