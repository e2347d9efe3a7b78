"""Correct versions of lecture 4's training loop and set-ups in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- diagnose
    ("training.diagnose", "torch.autograd.grad, stats by hand (biased std), 0-d tensors, tuples", '''
def diagnose(model, X, Y, step, lr):
    C, layers = model
    params = [C] + [p for layer in layers for p in layer.parameters()]
    h = C[X].reshape(len(X), -1)
    outs = []
    for layer in layers:
        h = layer(h)
        if type(layer).__name__ == "Tanh":
            outs.append(h.detach())
    loss = F.cross_entropy(h, Y)
    grads = torch.autograd.grad(loss, params)
    for p, g in zip(params, grads):
        p.grad = g
    acts = tuple({"mean": t.mean(), "std": t.std(unbiased=False), "saturated": (t.abs() > 0.97).float().mean()}
                 for t in outs)
    gstats = tuple({"mean": g.mean(), "std": g.std(unbiased=False), "grad_to_data": g.std() / p.detach().std()}
                   for g, p in zip(grads, params))
    ud = tuple(((lr * g).std() / p.detach().std()).log10() for g, p in zip(grads, params))
    return {"step": step, "loss": loss.detach(), "activations": acts, "gradients": gstats, "update_to_data": ud}
'''),
    ("training.diagnose", "zero_() the old gradients, the given helpers", '''
def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    for p in params:
        if p.grad is not None:
            p.grad.zero_()
    C, layers = model
    x, tanhs = C[X].flatten(1), []
    for layer in layers:
        x = layer(x)
        if is_tanh(layer):
            tanhs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    named = list(enumerate(params))
    stats = gradient_stats(named)
    return dict(step=step, loss=float(loss), activations=[activation_stats(t) for t in tanhs],
                gradients=[stats[i] for i, _ in named], update_to_data=list(update_to_data(params, lr)))
'''),
    ("training.diagnose", "a hand-written cross-entropy and numpy statistics", '''
import numpy as np

def diagnose(model, X, Y, step, lr):
    C, layers = model
    params = [C] + [p for layer in layers for p in list(layer.parameters())]
    for p in params:
        p.grad = None
    x = C[X].view(X.shape[0], -1)
    seen = []
    for layer in layers:
        x = layer(x)
        if layer.__class__.__name__ == "Tanh":
            seen.append(x.detach().numpy())
    logp = x - x.logsumexp(1, keepdim=True)
    loss = -logp[torch.arange(len(Y)), Y].mean()
    loss.backward()
    acts = [{"mean": float(a.mean()), "std": float(a.std(ddof=1)), "saturated": float((np.abs(a) > 0.97).mean())}
            for a in seen]
    grads = []
    for p in params:
        g, d = p.grad.numpy(), p.detach().numpy()
        grads.append({"mean": float(g.mean()), "std": float(g.std()), "grad_to_data": float(g.std() / d.std())})
    return {"step": int(step), "loss": loss.item(), "activations": acts, "gradients": grads,
            "update_to_data": update_to_data(params, lr)}
'''),
    # ---------------------------------------------------------------- train_with_diagnostics
    ("training.train_with_diagnostics", "lecture style: p.data += -lr * p.grad", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    C, layers = model
    parameters_ = [C] + [p for layer in layers for p in layer.parameters()]
    lossi, log = [], []
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        Xb, Yb = X[ix], Y[ix]
        if i % every == 0:
            log.append(diagnose(model, Xb, Yb, i, lr))
            lossi.append(log[-1]["loss"])
        else:
            x = C[Xb].view(Xb.shape[0], -1)
            for layer in layers:
                x = layer(x)
            loss = F.cross_entropy(x, Yb)
            for p in parameters_:
                p.grad = None
            loss.backward()
            lossi.append(loss.item())
        for p in parameters_:
            p.data += -lr * p.grad
    return lossi, log
'''),
    ("training.train_with_diagnostics", "a while loop, autograd.grad, a tuple", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log, step = [], [], 0
    while step < steps:
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        if step % every:
            loss = F.cross_entropy(forward(model, X[ix]), Y[ix])
            grads = torch.autograd.grad(loss, params)
            value = loss.item()
        else:
            entry = diagnose(model, X[ix], Y[ix], step, lr)
            log.append(entry)
            grads = [p.grad for p in params]
            value = float(entry["loss"])
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
        losses.append(value)
        step += 1
    return (losses, log)
'''),
    ("training.train_with_diagnostics", "torch.optim.SGD over the parameters", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    opt = torch.optim.SGD(params, lr=lr)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        Xb, Yb = X[ix], Y[ix]
        if step % every == 0:
            entry = diagnose(model, Xb, Yb, step, lr)
            log.append(entry)
            losses.append(entry["loss"])
        else:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(forward(model, Xb), Yb)
            loss.backward()
            losses.append(loss.item())
        opt.step()
    return losses, log
'''),
    # ---------------------------------------------------------------- configure
    ("training.configure", "a table of builders", '''
def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    def net(batchnorm, gain=5 / 3):
        return deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm=batchnorm, gain=gain,
                        generator=generator)

    def redrawn(last, hidden_std):
        C, layers = net(False)
        linears = [l for l in layers if type(l).__name__ == "Linear"]
        with torch.no_grad():
            for i, l in enumerate(linears):
                fan_in, fan_out = l.weight.shape
                w = torch.randn((fan_in, fan_out), generator=generator)
                l.weight.copy_(w * (last if i == len(linears) - 1 else hidden_std(fan_in)))
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
'''),
    ("training.configure", "if/elif, torch.nn.init on the weights", '''
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
        ws = [l.weight for l in layers if hasattr(l, "weight") and not hasattr(l, "running_mean")]
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
'''),
    ("training.configure", "fresh Linears swapped into deep_mlp's list", '''
def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    g = generator
    batchnorm = name in ("batchnorm", "bad_gain", "low_lr")
    if name not in ("normal", "softmax_fix", "tanh_fix", "kaiming") and not batchnorm:
        raise ValueError(name)
    C, layers = deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm,
                         BAD_GAIN if name == "bad_gain" else 5 / 3, g)
    if name in ("normal", "softmax_fix", "tanh_fix"):
        idx = [i for i, l in enumerate(layers) if isinstance(l, Linear)]
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
'''),
]
