"""Common wrong versions of the lab "What is wrong with this run?" (see tests/wrong/__init__.py)."""

REFERENCE_FIGURES = '''
def run_figures(run, *, start=None, first=0, two_d=True, dead_units=True, rise_last=False, no_bn=None):
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
'''


def figures_with(**kwargs):
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return REFERENCE_FIGURES.replace("def run_figures(run, *,", "def _figures(run, *,") + f'''

def run_figures(run):
    return _figures(run, {args})
'''


def diagnosis_with(signs):
    return '''
def diagnose_run(run):
    f = run_figures(run)
    signs = [''' + signs + ''']
    name = next((n for n, shown in signs if shown), "healthy")
    return name, f[EVIDENCE[name]]
'''


RIGHT_SIGNS = {
    "over": '("overconfident_init", f["start_gap"] > START_GAP)',
    "sat": '("saturated_tanh", f["saturation"] > SATURATED)',
    "high": '("lr_too_high", f["step0_ratio"] > HIGH)',
    "low": '("lr_too_low", f["step0_ratio"] < LOW)',
    "bn": '("bn_eval_mode", f["bn_drift"] is not None and f["bn_drift"] < STILL)',
    "grads": '("grads_not_zeroed", f["ratio_rise"] > RISE)',
    "dead": '("dead_units", f["dead"] > DEAD)',
}


def signs(*keys, **replaced):
    return ", ".join(replaced.get(k, RIGHT_SIGNS[k]) for k in keys)


ALL = ("over", "sat", "high", "low", "bn", "grads", "dead")

CASES = [
    # ---------------------------------------------------------------- run_figures
    ("mystery.run_figures", "the start gap against log10(V)", figures_with(start="math.log10"), "start"),
    ("mystery.run_figures", "saturation from the log's last entry", figures_with(first=-1), "first"),
    ("mystery.run_figures", "update-to-data means over every parameter, biases too", figures_with(two_d=False),
     "two_d"),
    ("mystery.run_figures", "dead: the fraction of saturated values, not of units", figures_with(dead_units=False),
     "dead"),
    ("mystery.run_figures", "the rise to the last entry only", figures_with(rise_last=True), "rise"),
    ("mystery.run_figures", "bn_drift 0 without BatchNorm", figures_with(no_bn=0.0), "drift"),
    # ---------------------------------------------------------------- diagnose_run
    ("mystery.diagnose_run", "dead units looked at first", diagnosis_with(signs("dead", *ALL[:-1])), "order"),
    ("mystery.diagnose_run", "saturation read as a percentage",
     diagnosis_with(signs(*ALL, sat='("saturated_tanh", f["saturation"] > 60)')), "lines"),
    ("mystery.diagnose_run", "no BatchNorm taken for BatchNorm in eval mode",
     diagnosis_with(signs(*ALL, bn='("bn_eval_mode", f["bn_drift"] is None or f["bn_drift"] < STILL)')), "bn"),
    ("mystery.diagnose_run", "a low learning rate tested the wrong way round",
     diagnosis_with(signs(*ALL, low='("lr_too_low", f["step0_ratio"] > LOW)')), "lines"),
    ("mystery.diagnose_run", "every run healthy", '''
def diagnose_run(run):
    return "healthy", run_figures(run)["step0_ratio"]
''', "lines"),
    ("mystery.diagnose_run", "the step-0 ratio as the evidence of everything", '''
_reference_diagnose_run = diagnose_run


def diagnose_run(run):
    name, _ = _reference_diagnose_run(run)
    return name, run_figures(run)["step0_ratio"]
''', "evidence"),
]
