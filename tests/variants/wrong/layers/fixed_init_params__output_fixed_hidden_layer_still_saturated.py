"""output fixed, hidden layer still saturated"""

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    p = {"C": torch.randn((vocab_size, n_embd), generator=g),
         "W1": torch.randn((block_size * n_embd, n_hidden), generator=g),
         "b1": torch.randn(n_hidden, generator=g), "W2": torch.randn((n_hidden, vocab_size), generator=g) * 0.01,
         "b2": torch.zeros(vocab_size)}
    return {k: v.requires_grad_() for k, v in p.items()}
