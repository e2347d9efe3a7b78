"""Hidden graders for diagnostics.record_gradients: the same contract as
autograder/test_record_gradients.py, on a model the learner never saw (nested names, two
passes in one block: the latest backward wins).

Instructors only: `course release` leaves autograder/hidden/ out.
"""
import torch
import torch.nn as nn

from course.grading.judge.api import backward, check, exercise, expect, fetch, remote


@exercise("diagnostics.record_gradients")
def test_hidden_record_gradients_nested_and_latest(diagnostics):
    torch.manual_seed(21)
    model = nn.Sequential()
    model.add_module("block", nn.Sequential(nn.Linear(2, 5), nn.Tanh()))
    model.add_module("head", nn.Linear(5, 3))
    g = torch.Generator().manual_seed(22)
    x1, x2 = torch.randn(4, 2, generator=g), torch.randn(6, 2, generator=g)
    up1, up2 = torch.randn(4, 3, generator=g), torch.randn(6, 3, generator=g)
    h = torch.tanh(model.block[0](x2))
    h.retain_grad()
    (model.head(h) * up2).sum().backward()
    net = remote(model)
    with diagnostics.record_gradients(net) as grads:
        backward(net(x1), up1)
        backward(net(x2), up2)
    seen = fetch(grads)
    check(set(seen) == {"block.1"}, "the only Tanh is named 'block.1'", f"yours recorded {sorted(seen)}", hint="types")
    expect(seen["block.1"]).close_to(h.grad, why="after two backward passes, the latest one's gradient", hint="tensor")
