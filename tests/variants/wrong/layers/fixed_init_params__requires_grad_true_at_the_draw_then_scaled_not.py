"""requires_grad=True at the draw, then scaled: not leaves"""

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    fan_in = block_size * n_embd
    C = torch.randn((vocab_size, n_embd), generator=g, requires_grad=True)
    W1 = torch.randn((fan_in, n_hidden), generator=g, requires_grad=True) / fan_in ** 0.5
    b1 = torch.randn(n_hidden, generator=g, requires_grad=True) * 0.01
    W2 = torch.randn((n_hidden, vocab_size), generator=g, requires_grad=True) * 0.01
    b2 = torch.zeros(vocab_size, requires_grad=True)
    return {"C": C, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
