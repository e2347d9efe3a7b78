"""the lecture's final init: W1 * (5/3) / sqrt(fan_in)"""

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3) / ((n_embd * block_size)**0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.01
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
    b2 = torch.randn(vocab_size, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    return dict(zip(["C", "W1", "b1", "W2", "b2"], parameters))
