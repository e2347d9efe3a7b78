"""if/elif, torch.nn.init on the weights"""

import math

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    kw = dict(block_size=block_size, n_embd=n_embd, n_hidden=n_hidden, n_layers=n_layers, generator=generator)
    if name == "kaiming":
        model = deep_mlp(vocab_size, batchnorm=False, **kw)
    elif name == "batchnorm":
        model = deep_mlp(vocab_size, batchnorm=True, **kw)
    elif name == "bad_gain":
        model = deep_mlp(vocab_size, batchnorm=True, gain=0.2, **kw)
    elif name == "low_lr":
        return deep_mlp(vocab_size, batchnorm=True, **kw), lr * 0.01
    elif name in ("normal", "softmax_fix", "tanh_fix"):
        C, layers = deep_mlp(vocab_size, batchnorm=False, **kw)
        ws = [m.weight for m in layers if hasattr(m, "weight") and not hasattr(m, "running_mean")]
        with torch.no_grad():
            for w in ws:
                torch.nn.init.normal_(w, 0.0, 1.0, generator=generator)
            if name in ("softmax_fix", "tanh_fix"):
                ws[-1].mul_(0.01)
            if name == "tanh_fix":
                for w in ws[:-1]:
                    w.div_(math.sqrt(w.shape[0]))
        model = (C, layers)
    else:
        raise ValueError(f"{name} is not an experiment")
    return model, lr
