"""a class with __enter__ and __exit__"""

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
