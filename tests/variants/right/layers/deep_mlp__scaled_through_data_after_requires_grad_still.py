"""scaled through .data after requires_grad (still leaves)"""

def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    C = torch.randn((vocab_size, n_embd), generator=generator)
    layers = []
    fan_in = block_size * n_embd
    for _ in range(n_layers):
        layers.append(Linear(fan_in, n_hidden, bias=not batchnorm, generator=generator))
        if batchnorm:
            layers.append(BatchNorm1d(n_hidden))
        layers.append(Tanh())
        fan_in = n_hidden
    layers.append(Linear(fan_in, vocab_size, bias=not batchnorm, generator=generator))
    if batchnorm:
        layers.append(BatchNorm1d(vocab_size))
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad = True
    linears = [layer for layer in layers if isinstance(layer, Linear)]
    for layer in linears[:-1]:
        layer.weight.data *= gain                 # .data: in place, unrecorded
    if batchnorm:
        layers[-1].gamma.data *= 0.1
    else:
        linears[-1].weight.data *= 0.1
    return C, layers
