"""the update-to-data ratio without the learning rate"""

def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    for p in params:
        p.grad = None
    C, layers = model
    x, outs = C[X].view(len(X), -1), []
    for layer in layers:
        x = layer(x)
        if is_tanh(layer):
            outs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    grads = gradient_stats((str(i), p) for i, p in enumerate(params))
    return {"step": step, "loss": loss.item(), "activations": [activation_stats(t) for t in outs],
            "gradients": [grads[str(i)] for i in range(len(params))], "update_to_data": update_to_data(params, 1.0)}
