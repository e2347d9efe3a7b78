"""Common wrong versions of lecture 4's training loop and set-ups (see tests/wrong/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- diagnose
    ("training.diagnose", "gradients never cleared", '''
def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    C, layers = model
    x, outs = C[X].view(len(X), -1), []
    for layer in layers:
        x = layer(x)
        if is_tanh(layer):
            outs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    grads = gradient_stats((str(i), p) for i, p in enumerate(params))
    return {"step": step, "loss": loss.item(), "activations": [activation_stats(t) for t in outs],
            "gradients": [grads[str(i)] for i in range(len(params))], "update_to_data": update_to_data(params, lr)}
''', "zero"),
    ("training.diagnose", "the linear layers' outputs instead of the tanh layers'", '''
def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    for p in params:
        p.grad = None
    C, layers = model
    x, outs = C[X].view(len(X), -1), []
    for i, layer in enumerate(layers):
        x = layer(x)
        if i + 1 < len(layers) and is_tanh(layers[i + 1]):
            outs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    grads = gradient_stats((str(i), p) for i, p in enumerate(params))
    return {"step": step, "loss": loss.item(), "activations": [activation_stats(t) for t in outs],
            "gradients": [grads[str(i)] for i in range(len(params))], "update_to_data": update_to_data(params, lr)}
''', "tanh"),
    ("training.diagnose", "the update-to-data ratio without the learning rate", '''
def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    for p in params:
        p.grad = None
    C, layers = model
    x, outs = C[X].view(len(X), -1), []
    for layer in layers:
        x = layer(x)
        if is_tanh(layer):
            outs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    grads = gradient_stats((str(i), p) for i, p in enumerate(params))
    return {"step": step, "loss": loss.item(), "activations": [activation_stats(t) for t in outs],
            "gradients": [grads[str(i)] for i in range(len(params))], "update_to_data": update_to_data(params, 1.0)}
''', "lr"),
    # ---------------------------------------------------------------- train_with_diagnostics
    ("training.train_with_diagnostics", "a diagnosis on every step", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        entry = diagnose(model, X[ix], Y[ix], step, lr)
        log.append(entry)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(entry["loss"])
    return losses, log
''', "every"),
    ("training.train_with_diagnostics", "the diagnosis taken after the update", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        loss = F.cross_entropy(forward(model, X[ix]), Y[ix])
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        if step % every == 0:
            log.append(diagnose(model, X[ix], Y[ix], step, lr))
        losses.append(loss.item())
    return losses, log
''', "before"),
    ("training.train_with_diagnostics", "the diagnosis on all of X", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        if step % every == 0:
            log.append(diagnose(model, X, Y, step, lr))
        loss = F.cross_entropy(forward(model, X[ix]), Y[ix])
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(loss.item())
    return losses, log
''', "batch"),
    ("training.train_with_diagnostics", "gradients never cleared", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        if step % every == 0:
            entry = diagnose(model, X[ix], Y[ix], step, lr)
            log.append(entry)
            loss = entry["loss"]
        else:
            out = F.cross_entropy(forward(model, X[ix]), Y[ix])
            out.backward()
            loss = out.item()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(loss)
    return losses, log
''', "zero"),
    ("training.train_with_diagnostics", "C left out of the update", '''
def train_with_diagnostics(model, X, Y, steps, lr=LR, batch_size=32, every=100, generator=None):
    params = parameters(model)
    losses, log = [], []
    for step in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        if step % every == 0:
            entry = diagnose(model, X[ix], Y[ix], step, lr)
            log.append(entry)
            loss = entry["loss"]
        else:
            out = F.cross_entropy(forward(model, X[ix]), Y[ix])
            for p in params:
                p.grad = None
            out.backward()
            loss = out.item()
        with torch.no_grad():
            for p in params[1:]:
                p -= lr * p.grad
        losses.append(loss)
    return losses, log
''', "update"),
    # ---------------------------------------------------------------- configure
    ("training.configure", "'normal' left with deep_mlp's Kaiming weights", '''
_configure = configure

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    if name == "normal":
        return deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm=False, generator=generator), lr
    return _configure(name, vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
''', "normal"),
    ("training.configure", "'tanh_fix' divided by fan_in, not its square root", '''
_configure = configure

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    model, rate = _configure("softmax_fix" if name == "tanh_fix" else name, vocab_size, lr, block_size, n_embd,
                             n_hidden, n_layers, generator)
    if name == "tanh_fix":
        with torch.no_grad():
            for layer in [l for l in model[1] if isinstance(l, Linear)][:-1]:
                layer.weight /= layer.weight.shape[0]
    return model, rate
''', "tanh"),
    ("training.configure", "'bad_gain' without BatchNorm", '''
_configure = configure

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    if name == "bad_gain":
        return deep_mlp(vocab_size, block_size, n_embd, n_hidden, n_layers, batchnorm=False, gain=BAD_GAIN,
                        generator=generator), lr
    return _configure(name, vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
''', "gain"),
    ("training.configure", "'low_lr' with the learning rate unchanged", '''
_configure = configure

def configure(name, vocab_size, lr=LR, block_size=3, n_embd=10, n_hidden=100, n_layers=5, generator=None):
    if name == "low_lr":
        return _configure("batchnorm", vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
    return _configure(name, vocab_size, lr, block_size, n_embd, n_hidden, n_layers, generator)
''', "lr"),
]
