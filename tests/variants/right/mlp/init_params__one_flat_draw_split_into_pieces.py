"""one flat draw split into pieces"""

import math

def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    shapes = [("C", (vocab_size, n_embd)), ("W1", (block_size * n_embd, n_hidden)), ("b1", (n_hidden,)),
              ("W2", (n_hidden, vocab_size)), ("b2", (vocab_size,))]
    flat = torch.randn(sum(math.prod(s) for _, s in shapes), generator=generator)
    pieces = flat.split([math.prod(s) for _, s in shapes])
    return {name: piece.reshape(shape).clone().requires_grad_(True) for (name, shape), piece in zip(shapes, pieces)}
