"""data over gradient"""

def gradient_stats(named_parameters):
    return {name: {"mean": p.grad.mean().item(), "std": p.grad.std().item(),
                   "grad_to_data": (p.std() / p.grad.std()).item()}
            for name, p in named_parameters if p.grad is not None}
