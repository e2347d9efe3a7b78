"""every run healthy"""

def diagnose_run(run):
    return "healthy", run_figures(run)["step0_ratio"]
