"""a table of builders"""

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    def net(batchnorm, gain=5 / 3):
        return deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm=batchnorm, gain=gain,
                        generator=generator)

    def redrawn(last, hidden_std):
        C, layers = net(False)
        linears = [m for m in layers if type(m).__name__ == "Linear"]
        with torch.no_grad():
            for i, m in enumerate(linears):
                fan_in, fan_out = m.weight.shape
                w = torch.randn((fan_in, fan_out), generator=generator)
                m.weight.copy_(w * (last if i == len(linears) - 1 else hidden_std(fan_in)))
        return C, layers

    table = {
        "normal": lambda: (redrawn(1.0, lambda f: 1.0), lr),
        "softmax_fix": lambda: (redrawn(0.01, lambda f: 1.0), lr),
        "tanh_fix": lambda: (redrawn(0.01, lambda f: f ** -0.5), lr),
        "kaiming": lambda: (net(False), lr),
        "batchnorm": lambda: (net(True), lr),
        "bad_gain": lambda: (net(True, BAD_GAIN), lr),
        "low_lr": lambda: (net(True), lr / 100),
    }
    if name not in table:
        raise ValueError("unknown experiment: " + str(name))
    return table[name]()
