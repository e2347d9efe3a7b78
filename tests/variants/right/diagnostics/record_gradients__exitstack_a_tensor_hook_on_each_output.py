"""ExitStack, a tensor hook on each output"""

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
