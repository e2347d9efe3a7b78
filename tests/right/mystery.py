"""Correct versions of the lab "What is wrong with this run?" in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- run_figures
    ("mystery.run_figures", "numpy, float64, a unit's minimum |t|, 0-d tensors", '''
import numpy as np

def run_figures(run):
    C, layers = run["model"]
    params = [C] + [p for layer in layers for p in layer.parameters()]
    keep = np.array([p.ndim == 2 for p in params])

    def level(entry):
        return np.asarray(entry["update_to_data"], dtype=np.float64)[keep].mean()

    h = C[run["X"]].reshape(run["X"].shape[0], -1)
    dead = []
    with torch.no_grad():
        for layer in layers:
            h = layer(h)
            if type(layer).__name__ == "Tanh":
                dead.append(float((h.double().abs().min(dim=0).values > 0.97).double().mean()))
    moved = [max(float(b.running_mean.abs().max()), float((b.running_var - 1).abs().max()))
             for b in layers if b.__class__.__name__ == "BatchNorm1d"]
    levels = [level(e) for e in run["log"]]
    return {"start_gap": torch.tensor(run["losses"][0] - np.log(C.shape[0])),
            "saturation": max(a["saturated"] for a in run["log"][0]["activations"]),
            "dead": max(dead), "bn_drift": max(moved) if moved else None,
            "step0_ratio": levels[0], "ratio_rise": float(np.mean(levels[1:]) - levels[0])}
'''),
    ("mystery.run_figures", "the given forward and diagnostics' activation_stats, statistics.mean", '''
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
'''),
    ("mystery.run_figures", "torch all the way, an OrderedDict", '''
from collections import OrderedDict

def run_figures(run):
    C, layers = run["model"]
    params = parameters(run["model"])
    mask = torch.tensor([p.dim() == 2 for p in params])
    table = torch.tensor([list(map(float, e["update_to_data"])) for e in run["log"]])[:, mask].mean(1)
    with torch.no_grad():
        h = C[run["X"]].reshape(len(run["X"]), -1)
        fractions = []
        for layer in layers:
            h = layer(h)
            if is_tanh(layer):
                fractions.append(((h > 0.97) | (h < -0.97)).all(0).float().mean())
    drifts = [torch.maximum(layer.running_mean.abs().max(), (layer.running_var - 1).abs().max())
              for layer in layers if hasattr(layer, "running_var")]
    return OrderedDict(start_gap=torch.tensor(float(run["losses"][0])) - torch.tensor(float(C.shape[0])).log(),
                       saturation=torch.tensor([float(a["saturated"]) for a in run["log"][0]["activations"]]).max(),
                       dead=torch.stack(fractions).max(),
                       bn_drift=torch.stack(drifts).max() if drifts else None,
                       step0_ratio=table[0], ratio_rise=table[1:].mean() - table[0])
'''),
    # ---------------------------------------------------------------- diagnose_run
    ("mystery.diagnose_run", "an if/elif chain, a list back", '''
def diagnose_run(run):
    f = run_figures(run)
    if f["start_gap"] > START_GAP:
        return ["overconfident_init", f["start_gap"]]
    elif f["saturation"] > SATURATED:
        return ["saturated_tanh", f["saturation"]]
    elif f["step0_ratio"] > HIGH:
        return ["lr_too_high", f["step0_ratio"]]
    elif f["step0_ratio"] < LOW:
        return ["lr_too_low", f["step0_ratio"]]
    elif f["bn_drift"] is not None and f["bn_drift"] < STILL:
        return ["bn_eval_mode", f["bn_drift"]]
    elif f["ratio_rise"] > RISE:
        return ["grads_not_zeroed", f["ratio_rise"]]
    elif f["dead"] > DEAD:
        return ["dead_units", f["dead"]]
    return ["healthy", f["step0_ratio"]]
'''),
    ("mystery.diagnose_run", "a table of operators, 0-d tensor evidence", '''
import operator

def diagnose_run(run):
    f = run_figures(run)
    if f["bn_drift"] is None:
        f["bn_drift"] = float("inf")            # no BatchNorm: that sign cannot show
    table = [("overconfident_init", "start_gap", operator.gt, START_GAP),
             ("saturated_tanh", "saturation", operator.gt, SATURATED),
             ("lr_too_high", "step0_ratio", operator.gt, HIGH),
             ("lr_too_low", "step0_ratio", operator.lt, LOW),
             ("bn_eval_mode", "bn_drift", operator.lt, STILL),
             ("grads_not_zeroed", "ratio_rise", operator.gt, RISE),
             ("dead_units", "dead", operator.gt, DEAD)]
    for name, key, beyond, line in table:
        if beyond(float(f[key]), line):
            return name, torch.tensor(float(f[key]))
    return "healthy", torch.tensor(float(f["step0_ratio"]))
'''),
    ("mystery.diagnose_run", "every sign collected, the first kept", '''
def diagnose_run(run):
    f = {k: (None if v is None else float(v)) for k, v in run_figures(run).items()}
    seen = {"overconfident_init": f["start_gap"] > START_GAP,
            "saturated_tanh": f["saturation"] > SATURATED,
            "lr_too_high": f["step0_ratio"] > HIGH,
            "lr_too_low": f["step0_ratio"] < LOW,
            "bn_eval_mode": f["bn_drift"] is not None and f["bn_drift"] < STILL,
            "grads_not_zeroed": f["ratio_rise"] > RISE,
            "dead_units": f["dead"] > DEAD}
    found = [name for name in DIAGNOSES if seen.get(name, name == "healthy")]
    return found[0], f[EVIDENCE[found[0]]]
'''),
]
