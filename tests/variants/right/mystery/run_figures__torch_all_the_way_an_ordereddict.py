"""torch all the way, an OrderedDict"""

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
