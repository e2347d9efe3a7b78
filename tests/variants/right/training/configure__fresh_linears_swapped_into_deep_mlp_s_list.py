"""fresh Linears swapped into deep_mlp's list"""

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    g = generator
    batchnorm = name in ("batchnorm", "bad_gain", "low_lr")
    if name not in ("normal", "softmax_fix", "tanh_fix", "kaiming") and not batchnorm:
        raise ValueError(name)
    C, layers = deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm,
                         BAD_GAIN if name == "bad_gain" else 5 / 3, g)
    if name in ("normal", "softmax_fix", "tanh_fix"):
        idx = [i for i, m in enumerate(layers) if isinstance(m, Linear)]
        for k, i in enumerate(idx):
            old = layers[i]
            fan_in, fan_out = old.weight.shape
            scale = 1.0
            if k == len(idx) - 1 and name != "normal":
                scale = 0.01
            elif k < len(idx) - 1 and name == "tanh_fix":
                scale = 1 / fan_in ** 0.5
            new = Linear(fan_in, fan_out, generator=g)
            new.weight = (torch.randn((fan_in, fan_out), generator=g) * scale).requires_grad_()
            new.bias.requires_grad_()
            layers[i] = new
    return (C, layers), (lr / LOW_LR_FACTOR if name == "low_lr" else lr)
