"""an if/elif chain, a list back"""

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
