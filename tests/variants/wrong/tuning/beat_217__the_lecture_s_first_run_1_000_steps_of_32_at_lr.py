"""the lecture's first run: 1,000 steps of 32 at lr 0.1"""

def beat_217(train_words, stoi, generator=None):
    X, Y = mlp.build_dataset(train_words, stoi, block_size=3)
    params = mlp.init_params(len(stoi), 3, generator=generator)
    mlp.train(params, X, Y, steps=1000, batch_size=32, lr=0.1, generator=generator)
    return params
