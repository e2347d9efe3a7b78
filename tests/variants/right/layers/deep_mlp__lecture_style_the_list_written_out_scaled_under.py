"""lecture style: the list written out, scaled under no_grad"""

def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers = []
    for i in range(n_layers):
        layers += [Linear(n_embd * block_size if i == 0 else n_hidden, n_hidden, bias=not batchnorm, generator=g)]
        layers += [BatchNorm1d(n_hidden)] if batchnorm else []
        layers += [Tanh()]
    layers += [Linear(n_hidden, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []

    with torch.no_grad():
        # last layer: make less confident
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
        # all other layers: apply gain
        last_linear = max(i for i, layer in enumerate(layers) if isinstance(layer, Linear))
        for i, layer in enumerate(layers):
            if isinstance(layer, Linear) and i != last_linear:
                layer.weight *= gain

    parameters = [C] + [p for layer in layers for p in layer.parameters()]
    for p in parameters:
        p.requires_grad = True
    return C, layers
