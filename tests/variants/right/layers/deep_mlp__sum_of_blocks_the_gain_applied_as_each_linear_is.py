"""sum of blocks, the gain applied as each Linear is made"""

def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    C = torch.randn(vocab_size, n_embd, generator=generator)

    def linear(fan_in, fan_out, scale):
        layer = Linear(fan_in, fan_out, bias=not batchnorm, generator=generator)
        layer.weight = layer.weight * scale
        return layer

    def block(fan_in):
        return [linear(fan_in, n_hidden, gain)] + ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]

    sizes = [block_size * n_embd] + [n_hidden] * (n_layers - 1)
    layers = sum((block(fan_in) for fan_in in sizes), [])
    if batchnorm:
        layers += [linear(n_hidden, vocab_size, 1.0), BatchNorm1d(vocab_size)]
        layers[-1].gamma.data.mul_(0.1)
    else:
        layers += [linear(n_hidden, vocab_size, 0.1)]
    C.requires_grad_()
    for layer in layers:
        for p in layer.parameters():
            p.requires_grad_()
    return C, layers
