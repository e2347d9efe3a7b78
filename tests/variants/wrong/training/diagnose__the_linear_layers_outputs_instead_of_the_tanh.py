"""the linear layers' outputs instead of the tanh layers'"""

def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    for p in params:
        p.grad = None
    C, layers = model
    x, outs = C[X].view(len(X), -1), []
    for i, layer in enumerate(layers):
        x = layer(x)
        if i + 1 < len(layers) and is_tanh(layers[i + 1]):
            outs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    grads = gradient_stats((str(i), p) for i, p in enumerate(params))
    return {"step": step, "loss": loss.item(), "activations": [activation_stats(t) for t in outs],
            "gradients": [grads[str(i)] for i in range(len(params))], "update_to_data": update_to_data(params, lr)}
