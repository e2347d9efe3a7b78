"""bn_drift 0 without BatchNorm"""

def _figures(run, *, start=None, first=0, two_d=True, dead_units=True, rise_last=False, no_bn=None):
    C, layers = run["model"]
    log = run["log"]
    dims = [p.dim() for p in parameters(run["model"])]

    def level(entry):
        picked = [float(r) for r, d in zip(entry["update_to_data"], dims) if d == 2 or not two_d]
        return sum(picked) / len(picked)

    with torch.no_grad():
        x, dead = C[run["X"]].view(len(run["X"]), -1), 0.0
        for layer in layers:
            x = layer(x)
            if is_tanh(layer):
                sat = x.abs() > THRESHOLD
                dead = max(dead, (sat.all(0) if dead_units else sat).float().mean().item())
    drifts = [max(b.running_mean.abs().max().item(), (b.running_var - 1).abs().max().item())
              for b in layers if type(b).__name__ == "BatchNorm1d"]
    later = [level(e) for e in log[1:]]
    return {"start_gap": float(run["losses"][0]) - (start or math.log)(C.shape[0]),
            "saturation": max(float(a["saturated"]) for a in log[first]["activations"]),
            "dead": dead, "bn_drift": max(drifts) if drifts else no_bn,
            "step0_ratio": level(log[0]),
            "ratio_rise": (later[-1] if rise_last else sum(later) / len(later)) - level(log[0])}


def run_figures(run):
    return _figures(run, no_bn=0.0)
