"""layer_types ignored"""

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
