"""the step-0 ratio as the evidence of everything"""

_reference_diagnose_run = diagnose_run


def diagnose_run(run):
    name, _ = _reference_diagnose_run(run)
    return name, run_figures(run)["step0_ratio"]
