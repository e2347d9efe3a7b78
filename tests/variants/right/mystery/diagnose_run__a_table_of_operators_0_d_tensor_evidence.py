"""a table of operators, 0-d tensor evidence"""

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
