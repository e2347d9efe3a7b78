"""lecture style: p.requires_grad = True in a loop"""

def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((block_size * n_embd, n_hidden), generator=g)
    b1 = torch.randn(n_hidden, generator=g)
    W2 = torch.randn((n_hidden, vocab_size), generator=g)
    b2 = torch.randn(vocab_size, generator=g)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    return dict(C=C, W1=W1, b1=b1, W2=W2, b2=b2)
