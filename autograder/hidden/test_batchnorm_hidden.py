"""Hidden graders for lecture 4, BatchNorm: the same contracts as autograder/test_batchnorm.py,
on inputs the learner never saw (other dims, batch sizes that change from step to step, other
eps and momentum values, other seeds), so that an answer written for the public checks'
numbers fails here. The learner's layer runs side by side with torch.nn.BatchNorm1d.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import sys
from pathlib import Path

import torch

from course.grading.judge.api import check, exercise, expect, fail

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_batchnorm import flat, make_pair, training_step  # noqa: E402


def batch(dim, n, g, centre, spread):
    return centre + spread * torch.randn(n, dim, generator=g)


@exercise("batchnorm.BatchNorm1d")
def test_hidden_batchnorm_matches_torch_changing_batch_sizes(batchnorm):
    dim, eps, momentum = 7, 0.04, 0.27
    mine, ref = make_pair(batchnorm, dim, eps, momentum, seed=919)
    check(mine.training is True, "a new BatchNorm1d should be in training mode", hint="init")
    g = torch.Generator().manual_seed(920)
    centre = -2.0 + 1.5 * torch.randn(dim, generator=g)
    spread = 0.1 + 0.5 * torch.rand(dim, generator=g)      # variances near eps: eps matters
    for step, n in enumerate((10, 3, 17, 2)):
        xb = batch(dim, n, g, centre, spread)
        training_step(mine, ref, xb, eps, momentum, torch.randn(n, dim, generator=g), lr=0.2)

    mine.eval()
    ref.eval()
    check(mine.training is False, "after eval(), training should be False", hint="modes")
    rm, rv = mine.running_mean.clone(), mine.running_var.clone()
    x = batch(dim, 6, g, centre + 0.8, 2 * spread)           # other statistics than the training batches
    y = mine(x).detach()
    want = ref(x).detach()
    expect(y).tensor(shape=(6, dim), what=f"the eval output for a batch of 6 with {dim} features", hint="eval")
    own = ref.weight * (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + eps) + ref.bias
    if torch.allclose(y, own.detach(), atol=1e-4, rtol=1e-4):
        fail("in eval mode, normalise with the running statistics; yours uses the batch's own", hint="eval")
    check(torch.equal(mine.running_mean, rm) and torch.equal(mine.running_var, rv),
          "eval must leave the running statistics as they are", "yours changed them", hint="untouched")
    if not torch.allclose(y, want, atol=1e-4, rtol=1e-4):
        fail("in eval mode, the output should be gamma * (x - running_mean) / sqrt(running_var + eps) + beta",
             f"yours differs from torch's by up to {(y - want).abs().max().item():.3g}", hint="eval")
    for i in (0, 5):
        expect(mine(x[i:i + 1])).close_to(want[i:i + 1], atol=1e-4, rtol=1e-4,
                                          why="in eval, one example alone must give the numbers torch gives",
                                          hint="eval")

    mine.train()
    ref.train()
    check(mine.training is True, "after train(), training should be True", hint="modes")
    x = batch(dim, 5, g, centre, spread)
    expect(mine(x)).close_to(ref(x), atol=1e-4, rtol=1e-4,
                             why="after train(), the output should use the batch's statistics again", hint="modes")
    expect(flat(mine.running_var, dim, "running_var", "init")).close_to(
        ref.running_var, atol=1e-5, rtol=1e-4, why="after train(), the running variance should be updated again",
        hint="untouched")


@exercise("batchnorm.calibrate")
def test_hidden_calibrate_replaces_earlier_estimates(batchnorm):
    dim = 9
    g = torch.Generator().manual_seed(5150)
    W = torch.randn(4, dim, generator=g, requires_grad=True)
    data = torch.exp(0.6 * torch.randn(3500, 4, generator=g)) @ W + 0.7      # skewed, off-centre features
    bn = torch.nn.BatchNorm1d(dim, momentum=0.35)
    with torch.no_grad():
        for xb in data.detach()[:300].split(50):           # earlier estimates, far from the whole data set's
            bn(xb * 3 - 5)
    result = batchnorm.calibrate(bn, data)
    check(result is None or result is bn, "calibrate changes bn in place", hint="inplace")
    x = data.detach()
    # n = 3500: the biased and unbiased variances differ by 0.03%, so either passes
    expect(bn.running_mean).close_to(x.mean(0), atol=1e-4, rtol=1e-4,
                                     why="after calibrate, running_mean should be the whole data set's mean per "
                                         "feature, whatever it held before", hint="stats")
    expect(bn.running_var).close_to(x.var(0), atol=1e-4, rtol=1e-3,
                                    why="after calibrate, running_var should be the whole data set's variance per "
                                        "feature, whatever it held before", hint="stats")
    check(not bn.running_mean.requires_grad and not bn.running_var.requires_grad
          and bn.running_mean.grad_fn is None and bn.running_var.grad_fn is None,
          "the running statistics must not be part of the graph of x", hint="inplace")
    bn.eval()
    with torch.no_grad():
        y = bn(x[:20])
        want = (x[:20] - x.mean(0)) / torch.sqrt(x.var(0) + bn.eps) * bn.weight + bn.bias
    expect(y).close_to(want, atol=1e-3, rtol=1e-3,
                       why="after calibrate, eval should normalise with the whole data set's statistics",
                       hint="stats")
