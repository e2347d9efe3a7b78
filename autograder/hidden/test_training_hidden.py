"""Hidden graders for lecture 4's training loop and set-ups: the same contracts as
autograder/test_training.py, on inputs the learner never saw (other sizes and depths, a log on
every step, a log of step 0 alone, other names' sizes), so that an answer written for the public
checks' numbers fails here.

Instructors only: `course release` leaves autograder/hidden/ out.
"""
import math
import sys
from pathlib import Path

import torch

from course.grading.judge.api import check, exercise

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_training import (built, check_entry, check_stds, clone, kinds, logged_steps, network,  # noqa: E402
                           reference_pass, reference_run, unpack)


@exercise("training.diagnose")
def test_hidden_diagnose_three_tanh_layers(training):
    C, layers = network(V=13, block_size=4, d=3, widths=(9, 7, 5), seed=21, batchnorm=True)
    g = torch.Generator().manual_seed(22)
    X, Y = torch.randint(0, 13, (17, 4), generator=g), torch.randint(0, 13, (17,), generator=g)
    mine_C, mine_layers = clone(C, layers)
    ref = reference_pass(mine_C, mine_layers, X, Y)
    entry = training.diagnose((C, layers), X, Y, 123, 0.7)
    check_entry(entry, 123, ref, 0.7, "diagnose(...)")


@exercise("training.train_with_diagnostics")
def test_hidden_the_loop_logs_every_step_and_step_zero_alone(training):
    X = torch.tensor([[1, 0]]).repeat(30, 1)
    Y = torch.full((30,), 4)
    for every, steps, want_steps in ((1, 4, [0, 1, 2, 3]), (50, 7, [0])):
        C, layers = network(V=5, block_size=2, d=3, widths=(6,), seed=23)
        want, logged, _ = reference_run(C, layers, X[:5], Y[:5], steps, 0.4, every)
        losses, log = unpack(training.train_with_diagnostics((C, layers), X, Y, steps, lr=0.4, batch_size=5,
                                                             every=every, generator=torch.Generator().manual_seed(24)),
                             steps)
        check(logged_steps(log) == want_steps, f"with steps={steps} and every={every} the log should hold steps "
              f"{want_steps}", f"yours holds {logged_steps(log)}", hint="every")
        check(all(abs(a - b) < 1e-4 * max(1, b) for a, b in zip(losses, want)),
              "each step should be one SGD step with fresh gradients, its loss recorded before the update",
              f"yours: {[round(v, 4) for v in losses[:4]]}, expected {[round(v, 4) for v in want[:4]]}", hint="zero")
        for entry in log:
            step = int(entry["step"])
            check_entry(entry, step, logged[step], 0.4, f"the log's entry of step {step}",
                        hints={k: "before" for k in ("keys", "tanh", "zero", "grad", "lr")})


@exercise("training.configure")
def test_hidden_configure_other_sizes(training):
    sizes = dict(block_size=2, n_embd=9, n_hidden=150, n_layers=3)
    for name, gain, hint in (("bad_gain", 0.2, "gain"), ("batchnorm", 5 / 3, "batchnorm")):
        C, layers, rate = built(training, name, V=19, lr=1.0, seed=25, sizes=sizes)
        want = ["Linear", "BatchNorm1d", "Tanh"] * 3 + ["Linear", "BatchNorm1d"]
        check(kinds(layers) == want, f"configure({name!r}) with n_layers=3 should be {want}", f"yours: {kinds(layers)}",
              hint=hint)
        check_stds(name, layers, [lambda f: gain / math.sqrt(f)] * 3 + [lambda f: 1 / math.sqrt(f)], hint)
    C, layers, rate = built(training, "tanh_fix", V=19, lr=1.0, seed=26, sizes=sizes)
    check_stds("tanh_fix", layers, [lambda f: 1 / math.sqrt(f)] * 3 + [lambda f: 0.01], "tanh")
    C, layers, rate = built(training, "low_lr", V=19, lr=2.0, seed=27, sizes=sizes)
    check(abs(rate - 0.02) < 1e-9, "configure('low_lr', lr=2.0) should return lr 0.02", f"yours: {rate}", hint="lr")
