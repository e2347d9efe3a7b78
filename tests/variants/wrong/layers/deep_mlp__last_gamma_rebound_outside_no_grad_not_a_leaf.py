"""last gamma rebound outside no_grad: not a leaf"""

def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, bias=not batchnorm, generator=g)]
        layers += ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []
    with torch.no_grad():
        for layer in [m for m in layers if isinstance(m, Linear)][:-1]:
            layer.weight *= gain
        if not batchnorm:
            layers[-1].weight *= 0.1
    if batchnorm:
        layers[-1].gamma = layers[-1].gamma * 0.1        # gamma requires grad already: a new, non-leaf tensor
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
