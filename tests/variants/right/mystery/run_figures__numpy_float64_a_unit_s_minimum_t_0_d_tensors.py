"""numpy, float64, a unit's minimum |t|, 0-d tensors"""

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
