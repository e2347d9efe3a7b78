"""lecture 3's N(0, 1) init, unchanged"""

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    shapes = [("C", (vocab_size, n_embd)), ("W1", (block_size * n_embd, n_hidden)), ("b1", (n_hidden,)),
              ("W2", (n_hidden, vocab_size)), ("b2", (vocab_size,))]
    return {k: torch.randn(s, generator=g).requires_grad_() for k, s in shapes}
