"""every sign collected, the first kept"""

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
