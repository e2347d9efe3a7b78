"""parameters without a gradient kept"""

def gradient_stats(named_parameters):
    out = {}
    for name, p in named_parameters:
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        out[name] = {"mean": g.mean().item(), "std": g.std().item(),
                     "grad_to_data": (g.std() / p.std()).item()}
    return out
