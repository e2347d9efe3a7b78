"""Common wrong versions of diagnostics.record_gradients (see tests/wrong/__init__.py)."""

CASES = [
    ("diagnostics.record_gradients", "the gradient of the layer's input, not its output", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            handles.append(module.register_full_backward_hook(
                lambda m, grad_in, grad_out, name=name: grads.__setitem__(name, grad_in[0].detach())))
    try:
        yield grads
    finally:
        for h in handles:
            h.remove()
''', "tensor"),
    ("diagnostics.record_gradients", "hooks left on the model", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads = {}

    def watch(name):
        def hook(module, inputs, out):
            out.register_hook(lambda g: grads.__setitem__(name, g.detach()))
        return hook

    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            module.register_forward_hook(watch(name))
    yield grads
''', "remove"),
    ("diagnostics.record_gradients", "layer_types ignored", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads, handles = {}, []

    def watch(name):
        def hook(module, inputs, out):
            out.register_hook(lambda g: grads.__setitem__(name, g.detach()))
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.Tanh):
            handles.append(module.register_forward_hook(watch(name)))
    try:
        yield grads
    finally:
        for h in handles:
            h.remove()
''', "types"),
    ("diagnostics.record_gradients", "backward pre-hooks, never removed", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads = {}
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            module.register_full_backward_pre_hook(
                lambda m, grad_out, name=name: grads.__setitem__(name, grad_out[0].detach()))
    yield grads
''', "remove"),
    ("diagnostics.record_gradients", "the gradient stored as it came, not detached", '''
@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads, handles = {}, []

    def watch(name):
        def hook(module, inputs, out):
            out.register_hook(lambda g: grads.__setitem__(name, g))
        return hook

    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            handles.append(module.register_forward_hook(watch(name)))
    try:
        yield grads
    finally:
        for h in handles:
            h.remove()
''', "detach"),
]
