"""one mlp.train call with the rates as a schedule"""

def lr_finder(params, X, Y, lrs, batch_size=32, generator=None):
    rates = [float(r) for r in lrs]
    losses = mlp.train(params, X, Y, steps=len(rates), batch_size=batch_size,
                       lr=lambda step: rates[min(step, len(rates) - 1)], generator=generator)
    return [float(v) for v in losses]
