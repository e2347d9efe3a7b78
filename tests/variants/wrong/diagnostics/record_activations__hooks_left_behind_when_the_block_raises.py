"""hooks left behind when the block raises"""

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
