"""the given forward and diagnostics' activation_stats, statistics.mean"""

import statistics
from diagnostics import activation_stats

def run_figures(run):
    model = run["model"]
    C, layers = model
    dims = [p.dim() for p in parameters(model)]
    means = [statistics.mean(r for r, d in zip(e["update_to_data"], dims) if d == 2) for e in run["log"]]
    x, worst = C[run["X"]].flatten(1), 0.0
    for layer in layers:
        x = layer(x).detach()
        if is_tanh(layer):
            per_unit = [activation_stats(x[:, j], threshold=THRESHOLD)["saturated"] for j in range(x.shape[1])]
            worst = max(worst, sum(1 for s in per_unit if s == 1.0) / len(per_unit))
    bns = [layer for layer in layers if type(layer).__name__ == "BatchNorm1d"]
    drift = None
    if bns:
        drift = max(torch.cat([b.running_mean.abs(), (b.running_var - 1).abs()]).max().item() for b in bns)
    return dict(start_gap=run["losses"][0] - math.log(len(C)),
                saturation=max(stats["saturated"] for stats in run["log"][0]["activations"]),
                dead=worst, bn_drift=drift, step0_ratio=means[0],
                ratio_rise=statistics.mean(means[1:]) - means[0])
