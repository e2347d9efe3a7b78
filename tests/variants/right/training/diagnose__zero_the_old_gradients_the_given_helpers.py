"""zero_() the old gradients, the given helpers"""

def diagnose(model, X, Y, step, lr):
    params = parameters(model)
    for p in params:
        if p.grad is not None:
            p.grad.zero_()
    C, layers = model
    x, tanhs = C[X].flatten(1), []
    for layer in layers:
        x = layer(x)
        if is_tanh(layer):
            tanhs.append(x)
    loss = F.cross_entropy(x, Y)
    loss.backward()
    named = list(enumerate(params))
    stats = gradient_stats(named)
    return dict(step=step, loss=float(loss), activations=[activation_stats(t) for t in tanhs],
                gradients=[stats[i] for i, _ in named], update_to_data=list(update_to_data(params, lr)))
