"""Graders of lecture 4's lab "What is wrong with this run?" (exercises/mystery.py).

The runs are made here, from seeds, by autograder/mystery_runs.py: a small deep MLP of torch.nn
layers trained briefly with one of lecture 4's faults planted. These checks know the faults of
the runs they make (so does anyone who reads this file: they are the public runs); the hidden
tier grades other seeds, other sizes and every fault. Each figure is compared with this side's
own computation of it (mystery_runs.measure), and each diagnosis with the planted fault.
"""
import math
import sys
from pathlib import Path

from course.checks import check, describe, exercise, is_number, is_sequence, number

sys.path.insert(0, str(Path(__file__).resolve().parent))      # the runs' maker, beside this file
import mystery_runs as runs  # noqa: E402
from mystery_runs import EVIDENCE, TABLE, mystery_run, shown  # noqa: E402

TOL = 1e-3
FIGURES = {"start_gap": "start", "saturation": "first", "dead": "dead", "bn_drift": "drift",
           "step0_ratio": "two_d", "ratio_rise": "rise"}
ORDER = [name for name, _, _ in TABLE]
SIGN = {"overconfident_init": f"start_gap > {runs.START_GAP}", "saturated_tanh": f"saturation > {runs.SATURATED}",
        "lr_too_high": f"step0_ratio > {runs.HIGH}", "lr_too_low": f"step0_ratio < {runs.LOW}",
        "bn_eval_mode": f"bn_drift < {runs.STILL}", "grads_not_zeroed": f"ratio_rise > {runs.RISE}",
        "dead_units": f"dead > {runs.DEAD}", "healthy": "no sign shows"}

# The public runs: (fault, seed). Seeds pick the sizes (and whether there is BatchNorm) alone.
PUBLIC_START = [("overconfident_init", 1), ("saturated_tanh", 2), ("lr_too_high", 4), ("lr_too_low", 3)]
PUBLIC_LATER = [("bn_eval_mode", 5), ("grads_not_zeroed", 7), ("dead_units", 6), ("healthy", 8), ("healthy", 4)]
FIGURES_PLAIN = [("dead_units", 6), ("overconfident_init", 1)]          # without BatchNorm
FIGURES_BN = [("healthy", 8), ("grads_not_zeroed", 1)]                  # with it


def agrees(got, want) -> bool:
    if want is None:
        return got is None
    if got is None or not is_number(got):
        return False
    got = number(got)
    if not math.isfinite(want):
        return got == want
    return abs(got - want) <= TOL * max(1.0, abs(want))


def check_figures(mod, fault, seed, big=False, name="run"):
    run, want = mystery_run(fault, seed, big)
    got = mod.run_figures(run)
    check(isinstance(got, dict) and set(FIGURES) <= set(got),
          f"run_figures should return a dict with the keys {sorted(FIGURES)}",
          f"got {describe(got if not isinstance(got, dict) else sorted(got))}", hint="start")
    for key, hint in FIGURES.items():
        value = got[key]
        shown_value = describe(value) if not is_number(value) else f"{number(value):.4f}"
        want_text = "None (no BatchNorm1d)" if want[key] is None else f"{want[key]:.4f}"
        check(agrees(value, want[key]), f"{name}: {key!r} should be {want_text}", f"yours is {shown_value}",
              hint=hint)


def check_diagnosis(mod, fault, seed, big=False, name="run"):
    run, figures = mystery_run(fault, seed, big)
    result = mod.diagnose_run(run)
    check(is_sequence(result, 2), "diagnose_run should return (diagnosis, evidence)", f"got {describe(result)}",
          hint="evidence")
    said, evidence = result
    check(isinstance(said, str) and said in ORDER, f"the diagnosis should be one of {ORDER}",
          f"got {describe(said)}", hint="lines")
    if said != fault:
        signs = shown(figures)[:-1]     # "healthy" is always last
        if said in signs:
            hint = "order"          # a sign that shows, but not the first in the table's order
        elif said == "bn_eval_mode" or fault == "bn_eval_mode":
            hint = "bn"
        elif fault == "healthy":
            hint = "healthy"
        else:
            hint = "lines"
        key = EVIDENCE[fault]
        check(False, f"{name} should be diagnosed {fault!r}: its {key} is {figures[key]:.3f} ({SIGN[fault]})",
              f"yours says {said!r}", hint=hint)
    key = EVIDENCE[fault]
    check(is_number(evidence) and agrees(evidence, figures[key]),
          f"{name}: the evidence of {fault!r} is its {key}, {figures[key]:.4f}",
          f"yours is {describe(evidence) if not is_number(evidence) else round(number(evidence), 4)}",
          hint="evidence")


# ---------------------------------------------------------------- run_figures
@exercise("mystery.run_figures")
def test_figures_without_batchnorm(mystery):
    for fault, seed in FIGURES_PLAIN:
        check_figures(mystery, fault, seed, name=f"the public run {fault} #{seed}")


@exercise("mystery.run_figures")
def test_figures_with_batchnorm(mystery):
    for fault, seed in FIGURES_BN:
        check_figures(mystery, fault, seed, name=f"the public run {fault} #{seed}")


# ---------------------------------------------------------------- diagnose_run
@exercise("mystery.diagnose_run")
def test_faults_seen_at_the_start(mystery):
    for fault, seed in PUBLIC_START:
        check_diagnosis(mystery, fault, seed, name=f"the public run {fault} #{seed}")


@exercise("mystery.diagnose_run")
def test_faults_seen_as_the_run_goes(mystery):
    for fault, seed in PUBLIC_LATER:
        check_diagnosis(mystery, fault, seed, name=f"the public run {fault} #{seed}")
