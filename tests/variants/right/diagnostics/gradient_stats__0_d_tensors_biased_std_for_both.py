"""0-d tensors, biased std for both"""

def gradient_stats(named_parameters):
    out = {}
    for name, p in named_parameters:
        if p.grad is None:
            continue
        g = p.grad.detach()
        out[name] = {"grad_to_data": g.std(unbiased=False) / p.detach().std(unbiased=False),
                     "std": g.std(unbiased=False), "mean": g.mean()}
    return out
