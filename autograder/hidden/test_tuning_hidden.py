"""Hidden graders for lecture 3's tuning: the same contracts as autograder/test_tuning.py, on
inputs the learner never saw (other sizes, rates, windows, valleys and seeds), so that an
answer written for the public checks' numbers fails here.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import sys
from pathlib import Path

import torch

from course.grading.judge.api import check, exercise, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_tuning import check_beats_217, check_valley, floats, params_for, sgd_reference, valley  # noqa: E402


@exercise("tuning.lr_finder")
def test_hidden_lr_finder_other_rates(tuning):
    p = params_for(V=5, block_size=2, d=6, hidden=10, seed=21)
    X, Y = torch.tensor([[4, 1]]).repeat(17, 1), torch.full((17,), 2)
    rates = [0.9, 0.01, 0.3, 0.001, 0.5]                  # not sorted: the given order is the order
    want, q = sgd_reference(p, X, Y, rates)
    got = floats(tuning.lr_finder(p, X, Y, rates, batch_size=5), len(rates), "lr_finder", "steps")
    check(all(abs(a - b) < 1e-4 * max(1, abs(b)) for a, b in zip(got, want)),
          "lr_finder should take one step per rate, in the order given", hint="steps")
    for k in q:
        expect(p[k]).close_to(q[k], atol=1e-5, why="the finder trains params in place", hint="inplace")


@exercise("tuning.pick_lr")
def test_hidden_pick_lr_other_valleys_and_windows(tuning):
    for seed, bottom, window in ((31, -2.1, 25), (32, -0.3, 80)):
        lrs, losses = valley(seed, bottom, n=900)
        check_valley(tuning, lrs, losses, window, bottom)


@exercise("tuning.overfit_batch")
def test_hidden_overfit_batch_other_sizes(tuning):
    g = torch.Generator().manual_seed(41)
    X, Y = torch.randint(0, 6, (9, 5), generator=g), torch.randint(0, 6, (9,), generator=g)
    p = params_for(V=6, block_size=5, d=2, hidden=30, seed=42)
    want, q = sgd_reference(p, X, Y, [0.05] * 7)
    got = floats(tuning.overfit_batch(p, X, Y, steps=7, lr=0.05), 7, "overfit_batch(steps=7)", "full")
    check(all(abs(a - b) < 1e-4 * max(1, abs(b)) for a, b in zip(got, want)),
          "overfit_batch should be full-batch gradient descent at the given lr", hint="full")


@exercise("tuning.beat_217")
def test_hidden_beat_217_on_the_test_split(names, target_folder):
    """The saved model on the test split, which nothing of the course shows the learner."""
    check_beats_217(names, "test", target_folder)
