"""backward pre-hooks, never removed"""

@contextlib.contextmanager
def record_gradients(model, layer_types=(nn.Tanh,)):
    grads = {}
    for name, module in model.named_modules():
        if isinstance(module, layer_types):
            module.register_full_backward_pre_hook(
                lambda m, grad_out, name=name: grads.__setitem__(name, grad_out[0].detach()))
    yield grads
