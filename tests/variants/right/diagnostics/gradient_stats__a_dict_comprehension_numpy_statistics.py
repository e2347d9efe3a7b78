"""a dict comprehension, numpy statistics"""


def gradient_stats(named_parameters):
    def stats(p):
        g, d = p.grad.detach().numpy(), p.detach().numpy()
        return {"mean": float(g.mean()), "std": float(g.std(ddof=1)),
                "grad_to_data": float(g.std(ddof=1) / d.std(ddof=1))}
    return {name: stats(p) for name, p in named_parameters if p.grad is not None}
