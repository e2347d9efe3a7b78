"""a class with __enter__ / __exit__, tensor hooks via functools.partial"""

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
