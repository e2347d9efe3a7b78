"""Hidden graders for lecture 4's layers: the same contracts as autograder/test_layers.py, on
inputs the learner never saw (other vocabulary sizes, context lengths, widths, depths and
seeds; a single example; fan_in 1), so that an answer written for the public checks' numbers
fails here.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from course.grading.judge.api import check, exercise, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_layers import MOST_SATURATED, SATURATED, contexts, count, expected_count, hidden_and_logits, kept_output, kinds  # noqa: E402


@exercise("layers.fixed_init_params")
def test_hidden_fixed_init_params_other_sizes(layers):
    for V, bs, d, nh, seed in ((41, 2, 16, 300, 21), (19, 6, 8, 160, 22)):
        p = layers.fixed_init_params(V, bs, d, nh, generator=torch.Generator().manual_seed(seed))
        expect(p["W1"]).tensor(shape=(bs * d, nh), what="W1 for these sizes", hint="shapes")
        X, Y = contexts(V, bs, 3000, seed + 1)
        with torch.no_grad():
            h, logits = hidden_and_logits(p, X)
        loss = F.cross_entropy(logits, Y).item()
        check(abs(loss - math.log(V)) < 0.1, f"the loss at step 0 should be within 0.1 of ln V = {math.log(V):.3f}",
              f"yours is {loss:.3f}", hint="logits")
        saturated = (h.abs() > SATURATED).float().mean().item()
        check(saturated < MOST_SATURATED, "fewer than a third of the hidden units should be saturated",
              f"yours: {saturated:.1%}", hint="saturation")
        check(all(t.is_leaf and t.requires_grad for t in p.values()), "every tensor should be a leaf that requires grad",
              hint="leaf")
        check(h.std().item() > 0.2, "the hidden layer should keep a spread", f"std {h.std():.3f}", hint="dead")


@exercise("layers.Linear")
def test_hidden_linear_one_example_and_fan_in_one(layers):
    g = torch.Generator().manual_seed(31)
    layer = layers.Linear(1, 9, generator=g)
    expect(layer.weight).tensor(shape=(1, 9), what="Linear(1, 9).weight", hint="shapes")
    x = torch.randn(1, 1, generator=g)
    expect(layer(x)).close_to(x @ layer.weight + layer.bias, why="Linear(1, 9) on one example", hint="call")
    big = layers.Linear(2500, 200, bias=False, generator=g)
    check(abs(big.weight.std().item() * 50 - 1) < 0.05, "Linear(2500, 200) should draw its weight with std 1/50",
          f"yours has std {big.weight.std():.4f}", hint="scale")
    ref = torch.nn.Linear(2500, 200, bias=False)
    with torch.no_grad():
        ref.weight.copy_(big.weight.T)
        x = torch.randn(3, 2500, generator=g)
        want = ref(x)
    expect(big(x)).close_to(want, atol=1e-4, why="Linear(2500, 200, bias=False)(x), as torch.nn.Linear", hint="call")
    expect(kept_output(big, "Linear")).close_to(want, atol=1e-4, why="self.out after the call", hint="out")


@exercise("layers.Tanh")
def test_hidden_tanh_any_shape(layers):
    x = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(32)) * 4
    layer = layers.Tanh()
    expect(layer(x)).close_to(torch.nn.Tanh()(x), why="Tanh on a (2, 3, 4) tensor", hint="call")
    expect(kept_output(layer, "Tanh")).close_to(torch.tanh(x), why="self.out after the call", hint="out")


@exercise("layers.deep_mlp")
def test_hidden_deep_mlp_other_depths(layers):
    for V, bs, d, nh, depth, batchnorm, seed in ((5, 2, 4, 24, 1, True, 41), (19, 6, 5, 40, 2, False, 42),
                                                  (8, 3, 7, 16, 4, True, 43)):
        sizes = dict(block_size=bs, n_embd=d, n_hidden=nh, n_layers=depth)
        C, net = layers.deep_mlp(V, **sizes, batchnorm=batchnorm, generator=torch.Generator().manual_seed(seed))
        want = (["Linear", "BatchNorm1d", "Tanh"] if batchnorm else ["Linear", "Tanh"]) * depth + \
            (["Linear", "BatchNorm1d"] if batchnorm else ["Linear"])
        check(kinds(net) == want, f"with n_layers={depth}, batchnorm={batchnorm}: {want}", f"yours: {kinds(net)}",
              hint="order")
        n, want_n = count(C, net), expected_count(V, **sizes, batchnorm=batchnorm)
        check(n == want_n, f"these sizes should give {want_n:,} parameters", f"yours: {n:,}", hint="bias")
        X, Y = contexts(V, bs, 800, seed)
        loss = F.cross_entropy(layers.forward(C, net, X).detach(), Y).item()
        check(abs(loss - math.log(V)) < 0.15, f"the first loss should be near ln V = {math.log(V):.3f}",
              f"yours is {loss:.3f}", hint="last")
