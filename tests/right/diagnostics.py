"""Correct versions of lecture 4's diagnostic helpers in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- activation_stats
    ("diagnostics.activation_stats", "numpy round trip, std with ddof=1", '''
import numpy as np

def activation_stats(t, threshold=0.97):
    a = t.detach().cpu().numpy()
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)),
            "saturated": float((np.abs(a) > threshold).mean())}
'''),
    ("diagnostics.activation_stats", "0-d tensors, keys in another order", '''
def activation_stats(t, threshold=0.97):
    t = t.detach()
    return {"saturated": (t.abs() > threshold).float().mean(), "std": t.std(), "mean": t.mean()}
'''),
    ("diagnostics.activation_stats", "torch.std_mean with the biased std, a count over numel", '''
def activation_stats(t, threshold=0.97):
    std, mean = torch.std_mean(t.detach(), unbiased=False)
    saturated = (t.detach().abs() > threshold).sum().item() / t.numel()
    return dict(mean=mean.item(), std=std.item(), saturated=saturated)
'''),
    ("diagnostics.activation_stats", "plain Python: statistics over tolist()", '''
import statistics

def activation_stats(t, threshold=0.97):
    values = t.detach().flatten().tolist()
    return {
        "mean": statistics.fmean(values),
        "std": statistics.stdev(values),
        "saturated": sum(abs(v) > threshold for v in values) / len(values),
    }
'''),
    # ---------------------------------------------------------------- gradient_stats
    ("diagnostics.gradient_stats", "a dict comprehension, numpy statistics", '''
import numpy as np

def gradient_stats(named_parameters):
    def stats(p):
        g, d = p.grad.detach().numpy(), p.detach().numpy()
        return {"mean": float(g.mean()), "std": float(g.std(ddof=1)),
                "grad_to_data": float(g.std(ddof=1) / d.std(ddof=1))}
    return {name: stats(p) for name, p in named_parameters if p.grad is not None}
'''),
    ("diagnostics.gradient_stats", "0-d tensors, biased std for both", '''
def gradient_stats(named_parameters):
    out = {}
    for name, p in named_parameters:
        if p.grad is None:
            continue
        g = p.grad.detach()
        out[name] = {"grad_to_data": g.std(unbiased=False) / p.detach().std(unbiased=False),
                     "std": g.std(unbiased=False), "mean": g.mean()}
    return out
'''),
    ("diagnostics.gradient_stats", "lecture style: p.grad.std() / p.std(), an OrderedDict", '''
from collections import OrderedDict

def gradient_stats(named_parameters):
    result = OrderedDict()
    for name, p in list(named_parameters):
        if p.grad is not None:
            t = p.grad
            result[name] = dict(mean=t.mean().item(), std=t.std().item(),
                                grad_to_data=(t.std() / p.std()).item())
    return result
'''),
    # ---------------------------------------------------------------- update_to_data
    ("diagnostics.update_to_data", "lecture style: ((lr * p.grad).std() / p.data.std()).log10().item()", '''
def update_to_data(parameters, lr):
    return [((lr * p.grad).std() / p.data.std()).log10().item() if p.grad is not None else float("nan")
            for p in parameters]
'''),
    ("diagnostics.update_to_data", "a tuple of 0-d tensors", '''
def update_to_data(parameters, lr):
    ratios = []
    for p in parameters:
        if p.grad is None:
            ratios.append(torch.tensor(float("nan")))
        else:
            ratios.append(torch.log10((lr * p.grad.detach()).std() / p.detach().std()))
    return tuple(ratios)
'''),
    ("diagnostics.update_to_data", "numpy, math.log10", '''
import numpy as np

def update_to_data(parameters, lr):
    out = []
    for p in parameters:
        if p.grad is None:
            out.append(math.nan)
            continue
        update = lr * p.grad.detach().double().numpy()
        out.append(math.log10(np.std(update) / np.std(p.detach().double().numpy())))
    return out
'''),
    # ---------------------------------------------------------------- record_activations
    ("diagnostics.record_activations", "a class with __enter__ and __exit__", '''
class _Recorder:
    def __init__(self, model, layer_types):
        self.model, self.layer_types = model, layer_types
        self.outputs, self.handles = {}, []

    def __enter__(self):
        for name, module in self.model.named_modules():
            if isinstance(module, self.layer_types):
                self.handles.append(module.register_forward_hook(self._hook(name)))
        return self.outputs

    def _hook(self, name):
        def hook(module, inputs, output):
            self.outputs[name] = output.detach()
        return hook

    def __exit__(self, *exc):
        for h in self.handles:
            h.remove()
        self.handles.clear()
        return False


def record_activations(model, layer_types=(nn.Tanh,)):
    return _Recorder(model, layer_types)
'''),
    ("diagnostics.record_activations", "contextlib.ExitStack and functools.partial", '''
import functools

@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    acts = {}

    def store(name, module, inputs, output):
        acts[name] = output.detach().clone()

    with contextlib.ExitStack() as stack:
        for name, module in model.named_modules():
            if isinstance(module, tuple(layer_types)):
                handle = module.register_forward_hook(functools.partial(store, name))
                stack.callback(handle.remove)
        yield acts
'''),
    ("diagnostics.record_activations", "one hook keyed by module, names looked up", '''
@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    names = {module: name for name, module in model.named_modules() if isinstance(module, layer_types)}
    recorded = {}

    def hook(module, args, output):
        recorded[names[module]] = output.detach()

    handles = [module.register_forward_hook(hook) for module in names]
    try:
        yield recorded
    finally:
        while handles:
            handles.pop().remove()
'''),
    # ---------------------------------------------------------------- record_gradients
    ("diagnostics.record_gradients", "register_full_backward_hook, grad_output[0]", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            def hook(module, grad_input, grad_output, name=name):
                grads[name] = grad_output[0].detach()
            handles.append(module.register_full_backward_hook(hook))
    try:
        yield grads
    finally:
        for handle in handles:
            handle.remove()
'''),
    ("diagnostics.record_gradients", "a class with __enter__ / __exit__, tensor hooks via functools.partial", '''
import functools

class _GradientRecorder:
    def __init__(self, model, layer_types):
        self.model, self.layer_types, self.grads, self.handles = model, tuple(layer_types), {}, []

    def _store(self, name, grad):
        self.grads[name] = grad.detach().clone()

    def _forward(self, name, module, inputs, output):
        if output.requires_grad:
            output.register_hook(functools.partial(self._store, name))

    def __enter__(self):
        for name, module in self.model.named_modules():
            if isinstance(module, self.layer_types):
                self.handles.append(module.register_forward_hook(functools.partial(self._forward, name)))
        return self.grads

    def __exit__(self, *exc_info):
        while self.handles:
            self.handles.pop().remove()
        return False


def record_gradients(model, layer_types=(nn.Tanh,)):
    return _GradientRecorder(model, layer_types)
'''),
    ("diagnostics.record_gradients", "ExitStack, a tensor hook on each output", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads = {}
    with contextlib.ExitStack() as stack:
        for name, module in model.named_modules():
            if not isinstance(module, layer_types):
                continue
            def watch(m, i, out, name=name):       # returns None: the output stays as it is
                if out.requires_grad:
                    out.register_hook(lambda g: grads.update({name: g.detach()}))
            stack.callback(module.register_forward_hook(watch).remove)
        yield grads
'''),
    # ---------------------------------------------------------------- plot_histograms
    ("diagnostics.plot_histograms", "ax.hist with histtype='step'", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    for name, t in tensors_by_name.items():
        ax.hist(t.detach().flatten().numpy(), bins=50, density=True, histtype="step", label=name)
    ax.legend()
    ax.set_title(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
'''),
    ("diagnostics.plot_histograms", "pyplot's state: plt.hist with histtype='stepfilled'", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.figure(figsize=(10, 4), dpi=100)
    for name, t in tensors_by_name.items():
        plt.hist(t.detach().view(-1).tolist(), bins=40, density=True, histtype="stepfilled", alpha=0.4,
                 label=name)
    plt.legend()
    plt.title(title)
    plt.savefig(path, dpi=100)
    plt.close()
'''),
    ("diagnostics.plot_histograms", "numpy.histogram and ax.stairs", '''
import numpy as np

def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    ax = fig.add_subplot()
    for name, t in tensors_by_name.items():
        density, edges = np.histogram(t.detach().numpy().ravel(), bins=30, density=True)
        ax.stairs(density, edges, label=str(name))
    ax.legend(loc="upper right")
    fig.savefig(str(path))
'''),
    ("diagnostics.plot_histograms", "one panel per layer, ax.bar, titles", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(tensors_by_name), figsize=(10, 4), dpi=100, squeeze=False)
    for ax, (name, t) in zip(axes[0], tensors_by_name.items()):
        density, edges = torch.histogram(t.detach().float().flatten(), bins=25, density=True)
        ax.bar(edges[:-1].numpy(), density.numpy(), width=(edges[1:] - edges[:-1]).numpy(), align="edge")
        ax.set_title(name)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
'''),
    ("diagnostics.plot_histograms", "lecture style: torch.histogram and plt.plot of the bin centres", '''
def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.figure(figsize=(10, 4), dpi=100)
    legends = []
    for name, t in tensors_by_name.items():
        hy, hx = torch.histogram(t.detach().float().flatten(), density=True)
        plt.plot(hx[:-1].detach(), hy.detach())
        legends.append(name)
    plt.legend(legends)
    plt.title(title or "activation distribution")
    plt.savefig(path, dpi=100)
    plt.close()
'''),
]
