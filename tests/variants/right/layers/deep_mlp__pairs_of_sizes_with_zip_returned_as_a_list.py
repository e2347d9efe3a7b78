"""pairs of sizes with zip, returned as a list"""

def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    C = torch.randn((vocab_size, n_embd), generator=generator).requires_grad_()
    dims = [block_size * n_embd] + [n_hidden] * n_layers + [vocab_size]
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(dims, dims[1:])):
        last = k == len(dims) - 2
        lin = Linear(fan_in, fan_out, bias=not batchnorm, generator=generator)
        with torch.no_grad():
            lin.weight.mul_(0.1 if last and not batchnorm else 1.0 if last else gain)
        layers.append(lin)
        if batchnorm:
            bn = BatchNorm1d(fan_out)
            if last:
                with torch.no_grad():
                    bn.gamma.mul_(0.1)
            layers.append(bn)
        if not last:
            layers.append(Tanh())
    for layer in layers:
        for p in layer.parameters():
            p.requires_grad_(True)
    return [C, layers]
