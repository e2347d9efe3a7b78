"""statistics of the parameter, not its gradient"""

def gradient_stats(named_parameters):
    return {name: {"mean": p.mean().item(), "std": p.std().item(),
                   "grad_to_data": (p.grad.std() / p.std()).item()}
            for name, p in named_parameters if p.grad is not None}
