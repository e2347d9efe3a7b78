"""nn.Parameter, drawn in another order"""

import torch.nn as nn

def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def draw(*shape):
        return nn.Parameter(torch.empty(shape).normal_(generator=generator))
    params = {}
    params["b2"] = draw(vocab_size)
    params["W2"] = draw(n_hidden, vocab_size)
    params["b1"] = draw(n_hidden)
    params["W1"] = draw(block_size * n_embd, n_hidden)
    params["C"] = draw(vocab_size, n_embd)
    return params
