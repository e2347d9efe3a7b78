"""The lab's mystery runs (made by autograder/test_mystery.py) show the fault planted in them, and it alone
comes first in the contract's table, far from every line the table draws: so that any correct
way of computing a figure (another std, another pass, float64) gives the same diagnosis. They are
deterministic and cheap, and the contract (solutions/mystery.py) draws the same lines."""
import ast
import importlib.util
import sys
import time

import pytest
import torch

from tests.conftest import ROOT

# Loaded under a name of its own, and not left on sys.path: a class grading forked from this
# process (tests/test_hostile.py) has pytest collect autograder/test_mystery.py itself, and a
# module `test_mystery` already imported from elsewhere would fail that collection.
_spec = importlib.util.spec_from_file_location("_mystery_grader_under_test", ROOT / "autograder" / "test_mystery.py")
M = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(M)

torch.set_num_threads(1)          # small matrices: one thread is several times faster (see course/learner/experiments.py)

# How far from its line a figure must be (either side), per figure.
MARGIN = {"start_gap": 0.5, "saturation": 0.1, "step0_ratio": 0.25, "ratio_rise": 0.1, "dead": 0.05}
LINES = {"overconfident_init": ("start_gap", M.START_GAP), "saturated_tanh": ("saturation", M.SATURATED),
         "lr_too_high": ("step0_ratio", M.HIGH), "lr_too_low": ("step0_ratio", M.LOW),
         "grads_not_zeroed": ("ratio_rise", M.RISE), "dead_units": ("dead", M.DEAD)}
SEEDS = [(seed, big) for big in (False, True) for seed in (11, 12)]


def graded_runs():
    """(fault, seed, big) of every run the public and the hidden graders make."""
    spec = importlib.util.spec_from_file_location(
        "_mystery_hidden", ROOT / "autograder" / "hidden" / "test_mystery_hidden.py")
    hidden = importlib.util.module_from_spec(spec)
    path, modules = list(sys.path), set(sys.modules)
    try:                # it imports its public twin as `test_mystery`: none of that may stay behind
        spec.loader.exec_module(hidden)
    finally:
        sys.path[:] = path
        for name in [n for n in set(sys.modules) - modules if n.startswith("test_")]:
            del sys.modules[name]
    runs = [(f, s, False) for f, s in M.PUBLIC_START + M.PUBLIC_LATER + M.FIGURES_PLAIN
            + M.FIGURES_BN]
    runs += [(f, s, True) for s in hidden.HIDDEN_SEEDS for f in M.FAULTS]
    return runs + [(f, s, True) for f, s in hidden.FIGURE_RUNS]


ORDER = [name for name, _, _ in M.TABLE]


def check_run(fault, seed, big):
    figures = M.measure(M.make_run(fault, seed, big))
    assert M.diagnosis(figures) == fault, (fault, seed, big, figures)
    # its own sign, and every sign the table puts before it, far from their lines (a later
    # sign may show: a learning rate far too high kills units too)
    for name, (key, line) in LINES.items():
        if ORDER.index(name) <= ORDER.index(fault):
            assert abs(figures[key] - line) >= MARGIN[key], (fault, seed, big, key, figures[key], line)
    drift = figures["bn_drift"]
    assert drift is None or drift == 0.0 or drift > 0.1, (fault, seed, big, drift)
    assert (drift == 0.0) == (fault == "bn_eval_mode"), (fault, seed, big, drift)


@pytest.mark.parametrize("fault", M.FAULTS)
def test_every_run_shows_its_fault_first_and_far_from_the_lines(fault):
    for seed, big in SEEDS:
        check_run(fault, seed, big)


def test_the_graded_runs_too():
    """The runs the graders make, public and hidden: the same, far from the lines."""
    for fault, seed, big in graded_runs():
        check_run(fault, seed, big)


def test_runs_are_deterministic_and_cheap():
    torch.set_num_threads(1)
    a = M.make_run("grads_not_zeroed", 5, True)
    start = time.process_time()
    b = M.make_run("grads_not_zeroed", 5, True)
    spent = time.process_time() - start
    assert a["losses"] == b["losses"] and a["log"] == b["log"]
    assert spent < 0.5, f"a run took {spent:.2f} s of CPU"
    c = M.make_run("grads_not_zeroed", 6, True)
    assert a["losses"] != c["losses"]


def test_sizes_say_nothing_about_the_fault():
    runs = [M.make_run(fault, 3) for fault in ("healthy", "lr_too_low", "grads_not_zeroed")]
    shapes = {tuple(tuple(p.shape) for p in M.params_of(run["model"])) for run in runs}
    assert len(shapes) == 1
    assert len({run["X"].numel() for run in runs}) == 1


def test_the_contract_draws_the_runs_lines():
    tree = ast.parse((ROOT / "solutions" / "mystery.py").read_text())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names = [t.id for t in (target.elts if isinstance(target, ast.Tuple) else [target])
                         if isinstance(t, ast.Name)]
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    continue
                for name, v in zip(names, value if len(names) > 1 else [value]):
                    values[name] = v
    for name in ("THRESHOLD", "START_GAP", "SATURATED", "HIGH", "LOW", "STILL", "RISE", "DEAD"):
        assert values[name] == getattr(M, name), name
    assert tuple(values["DIAGNOSES"]) == tuple(n for n, _, _ in M.TABLE)
    assert values["EVIDENCE"] == M.EVIDENCE
    assert set(values["DIAGNOSES"]) == set(M.FAULTS)
