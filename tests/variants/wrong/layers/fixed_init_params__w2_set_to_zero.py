"""W2 set to zero"""

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    fan_in = block_size * n_embd
    p = {"C": torch.randn((vocab_size, n_embd), generator=g),
         "W1": torch.randn((fan_in, n_hidden), generator=g) / fan_in ** 0.5,
         "b1": torch.zeros(n_hidden), "W2": torch.zeros((n_hidden, vocab_size)), "b2": torch.zeros(vocab_size)}
    return {k: v.requires_grad_() for k, v in p.items()}
