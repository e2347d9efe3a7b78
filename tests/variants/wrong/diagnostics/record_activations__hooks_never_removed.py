"""hooks never removed"""

@contextlib.contextmanager
def record_activations(model, layer_types=(nn.Tanh,)):
    outputs = {}
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            module.register_forward_hook(lambda m, i, o, name=name: outputs.__setitem__(name, o.detach()))
    yield outputs
