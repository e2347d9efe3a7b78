"""uniform weights of the same spread (torch.rand)"""

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def uniform(shape, std):                      # U(-a, a) has std a / sqrt(3)
        a = std * 3 ** 0.5
        return (torch.rand(shape, generator=generator) * 2 - 1) * a
    fan_in = block_size * n_embd
    params = dict(C=torch.randn(vocab_size, n_embd, generator=generator),
                  W1=uniform((fan_in, n_hidden), fan_in ** -0.5),
                  b1=torch.zeros(n_hidden),
                  W2=uniform((n_hidden, vocab_size), 0.01),
                  b2=torch.zeros(vocab_size))
    for t in params.values():
        t.requires_grad_(True)
    return params
