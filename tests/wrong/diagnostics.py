"""Common wrong versions of lecture 4's diagnostic toolkit (see tests/wrong/__init__.py)."""

CASES = [
    ("diagnostics.activation_stats", "saturation as a percentage", '''
def activation_stats(t, threshold=0.97):
    return {"mean": t.mean().item(), "std": t.std().item(),
            "saturated": 100 * (t.abs() > threshold).float().mean().item()}
''', "fraction"),
    ("diagnostics.activation_stats", "only the positive tail", '''
def activation_stats(t, threshold=0.97):
    return {"mean": t.mean().item(), "std": t.std().item(),
            "saturated": (t > threshold).float().mean().item()}
''', "abs"),
    ("diagnostics.activation_stats", "threshold ignored", '''
def activation_stats(t, threshold=0.97):
    return {"mean": t.mean().item(), "std": t.std().item(),
            "saturated": (t.abs() > 0.97).float().mean().item()}
''', "threshold"),
    ("diagnostics.activation_stats", "tensors instead of floats", '''
def activation_stats(t, threshold=0.97):
    return {"mean": t.mean(), "std": t.std(), "saturated": (t.abs() > threshold).float().mean()}
''', "keys"),
    ("diagnostics.gradient_stats", "data over gradient", '''
def gradient_stats(named_parameters):
    return {name: {"mean": p.grad.mean().item(), "std": p.grad.std().item(),
                   "grad_to_data": (p.std() / p.grad.std()).item()}
            for name, p in named_parameters if p.grad is not None}
''', "ratio"),
    ("diagnostics.gradient_stats", "statistics of the parameter, not its gradient", '''
def gradient_stats(named_parameters):
    return {name: {"mean": p.mean().item(), "std": p.std().item(),
                   "grad_to_data": (p.grad.std() / p.std()).item()}
            for name, p in named_parameters if p.grad is not None}
''', "grad"),
    ("diagnostics.gradient_stats", "parameters without a gradient kept", '''
def gradient_stats(named_parameters):
    out = {}
    for name, p in named_parameters:
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        out[name] = {"mean": g.mean().item(), "std": g.std().item(),
                     "grad_to_data": (g.std() / p.std()).item()}
    return out
''', "skip"),
    ("diagnostics.update_to_data", "natural log", '''
def update_to_data(parameters, lr):
    return [((lr * p.grad).std() / p.data.std()).log().item() for p in parameters]
''', "log10"),
    ("diagnostics.update_to_data", "learning rate left out", '''
def update_to_data(parameters, lr):
    return [(p.grad.std() / p.data.std()).log10().item() for p in parameters]
''', "lr"),
    ("diagnostics.update_to_data", "data over update", '''
def update_to_data(parameters, lr):
    return [(p.data.std() / (lr * p.grad).std()).log10().item() for p in parameters]
''', "ratio"),
    ("diagnostics.record_activations", "outputs kept with their graph", '''
@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    outputs, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            handles.append(module.register_forward_hook(
                lambda m, i, o, name=name: outputs.__setitem__(name, o)))
    try:
        yield outputs
    finally:
        for h in handles:
            h.remove()
''', "detach"),
    ("diagnostics.record_activations", "hooks never removed", '''
@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    outputs = {}
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            module.register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, o.detach()))
    yield outputs
''', "remove"),
    ("diagnostics.record_activations", "hooks left behind when the block raises", '''
@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    outputs, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            handles.append(module.register_forward_hook(
                lambda m, i, o, name=name: outputs.__setitem__(name, o.detach())))
    yield outputs
    for h in handles:
        h.remove()
''', "remove"),
    ("diagnostics.record_activations", "layer_types ignored", '''
@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    outputs, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, nn.Tanh):
            handles.append(module.register_forward_hook(
                lambda m, i, o, name=name: outputs.__setitem__(name, o.detach())))
    try:
        yield outputs
    finally:
        for h in handles:
            h.remove()
''', "types"),
    ("diagnostics.plot_histograms", "every layer in one colour: the layers cannot be told apart", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    for name, t in tensors_by_name.items():
        hy, hx = torch.histogram(t.detach().float().flatten(), bins=50, density=True)
        ax.plot(hx[:-1].numpy(), hy.numpy(), color="C0", label=name)
    ax.legend()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
''', "layers"),
    ("diagnostics.plot_histograms", "only the first layer drawn", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    name, t = next(iter(tensors_by_name.items()))
    hy, hx = torch.histogram(t.detach().float().flatten(), bins=50, density=True)
    ax.plot(hx[:-1].numpy(), hy.numpy(), label=name)
    ax.legend()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
''', "layers"),
    ("diagnostics.plot_histograms", "a picture that does not depend on the data", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    xs = torch.linspace(-1, 1, 50)
    for i, name in enumerate(tensors_by_name):
        ax.plot(xs.numpy(), torch.exp(-(xs * (i + 1)) ** 2).numpy(), label=name)
    ax.legend()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
''', "layers"),
    ("diagnostics.plot_histograms", "tensors not detached", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    for name, t in tensors_by_name.items():
        hy, hx = torch.histogram(t.float().flatten(), bins=50, density=True)
        ax.plot(hx[:-1].numpy(), hy.numpy(), label=name)
    ax.legend()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
''', "detach"),
]
