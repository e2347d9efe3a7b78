"""Hidden graders of the lab "What is wrong with this run?": the same contract as
autograder/test_mystery.py, on runs the learner never saw (other seeds, larger networks, every
fault, with and without BatchNorm), so that an answer fitted to the public runs fails here.

Instructors only: `course release` leaves autograder/hidden/ out.
"""
import sys
from pathlib import Path

from course.grading.judge.api import exercise

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, the runs' maker with them
from test_mystery import FAULTS, check_diagnosis, check_figures, prepare  # noqa: E402

HIDDEN_SEEDS = (7301, 7302)
FIGURE_RUNS = (("bn_eval_mode", 7303), ("dead_units", 7304), ("lr_too_high", 7305))
prepare(FIGURE_RUNS + tuple((fault, seed) for seed in HIDDEN_SEEDS for fault in FAULTS), big=True)


@exercise("mystery.run_figures")
def test_hidden_figures_of_larger_runs(mystery):
    for fault, seed in FIGURE_RUNS:
        check_figures(mystery, fault, seed, big=True, name="a hidden run")


@exercise("mystery.diagnose_run")
def test_hidden_every_fault_on_other_runs(mystery):
    for seed in HIDDEN_SEEDS:
        for fault in FAULTS:
            check_diagnosis(mystery, fault, seed, big=True, name="a hidden run")
