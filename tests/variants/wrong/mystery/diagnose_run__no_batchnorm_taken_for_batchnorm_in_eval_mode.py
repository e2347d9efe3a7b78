"""no BatchNorm taken for BatchNorm in eval mode"""

def diagnose_run(run):
    f = run_figures(run)
    signs = [("overconfident_init", f["start_gap"] > START_GAP),
             ("saturated_tanh", f["saturation"] > SATURATED),
             ("lr_too_high", f["step0_ratio"] > HIGH),
             ("lr_too_low", f["step0_ratio"] < LOW),
             ("bn_eval_mode", f["bn_drift"] is None or f["bn_drift"] < STILL),
             ("grads_not_zeroed", f["ratio_rise"] > RISE),
             ("dead_units", f["dead"] > DEAD)]
    name = next((n for n, shown in signs if shown), "healthy")
    return name, f[EVIDENCE[name]]
