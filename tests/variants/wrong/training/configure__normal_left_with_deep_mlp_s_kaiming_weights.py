"""'normal' left with deep_mlp's Kaiming weights"""

_configure = configure

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    if name == "normal":
        return deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm=False, generator=generator), lr
    return _configure(name, vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
