"""'low_lr' with the learning rate unchanged"""

_configure = configure

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    if name == "low_lr":
        return _configure("batchnorm", vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
    return _configure(name, vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
