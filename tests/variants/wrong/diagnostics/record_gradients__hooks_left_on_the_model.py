"""hooks left on the model"""

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
