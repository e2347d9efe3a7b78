"""lecture style: p.grad.std() / p.std(), an OrderedDict"""

from collections import OrderedDict

def gradient_stats(named_parameters):
    result = OrderedDict()
    for name, p in list(named_parameters):
        if p.grad is not None:
            t = p.grad
            result[name] = dict(mean=t.mean().item(), std=t.std().item(),
                                grad_to_data=(t.std() / p.std()).item())
    return result
