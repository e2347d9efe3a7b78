"""Graders for diagnostics.record_gradients (exercises/diagnostics.py), lecture 4's gradient
histograms: the gradient of the loss with respect to each tanh layer's output.

Expected values come from torch itself: the same model, run here with `retain_grad()` on the
same layers' outputs, as the lecture does. The learner's context manager hooks into a copy of
the model that lives beside the learner's code (`remote`), and the backward pass runs there
(`backward`). (A file of its own: diagnostics' other graders are in test_diagnostics.py.)
"""
import torch
import torch.nn as nn

from course.grading.judge.api import backward, check, describe, exercise, expect, fail, fetch, remote


def model_and_input(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 4), nn.Tanh())
    g = torch.Generator().manual_seed(seed)
    return model, torch.randn(5, 3, generator=g), torch.randn(5, 4, generator=g)


def expected_gradients(model, x, upstream, names):
    """d loss / d output of the named layers, with loss = (output * upstream).sum(): retain_grad()."""
    kept = {}
    h = x
    for name, layer in model.named_children():
        h = layer(h)
        if name in names:
            h.retain_grad()
            kept[name] = h
    backward_here = (h * upstream).sum()
    backward_here.backward()
    return {name: t.grad.detach() for name, t in kept.items()}


def hook_count(model) -> int:
    """Every hook on the model's modules: forward and backward, pre-hooks too."""
    kinds = ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks", "_backward_hooks")
    return sum(len(getattr(m, kind)) for m in model.modules() for kind in kinds)


@exercise("diagnostics.record_gradients")
def test_record_gradients_of_the_tanh_layers(diagnostics):
    model, x, upstream = model_and_input(7)
    want = expected_gradients(model, x, upstream, {"1", "5"})
    net = remote(model)
    with diagnostics.record_gradients(net) as grads:
        y = net(x)
        backward(y, upstream)                     # the loss (y * upstream).sum(), backward beside the learner's code
        seen = fetch(grads)
    check(isinstance(seen, dict), "record_gradients should yield a dict", f"it yields {describe(seen)}", hint="hook")
    check(set(seen) == {"1", "5"}, "the Tanh layers of this nn.Sequential are named '1' and '5'",
          f"yours recorded {sorted(seen)}", hint="types")
    expect(seen["5"]).close_to(want["5"], why="grads['5'] should be d loss / d (the last tanh's output)", hint="tensor")
    expect(seen["1"]).close_to(want["1"], why="grads['1'] should be d loss / d (the first tanh's output), not of "
                               "its input or of a parameter", hint="tensor")
    check(not seen["1"].requires_grad, "recorded gradients should be detached", hint="detach")
    check(hook_count(net) == 0, "when the `with` block ends, every hook should be removed",
          f"{hook_count(net)} hook(s) are still there", hint="remove")


@exercise("diagnostics.record_gradients")
def test_record_gradients_other_types_and_errors(diagnostics):
    model, x, upstream = model_and_input(8)
    want = expected_gradients(model, x, upstream, {"3", "4"})
    net = remote(model)
    with diagnostics.record_gradients(net, layer_types=(nn.ReLU, nn.Linear)) as grads:
        backward(net(x), upstream)
    seen = fetch(grads)
    check({"3", "4"} <= set(seen) and "1" not in seen and "5" not in seen,
          "with layer_types=(nn.ReLU, nn.Linear), only those layers (here '0', '2', '3', '4')",
          f"yours recorded {sorted(seen)}", hint="types")
    expect(seen["3"]).close_to(want["3"], why="grads['3'] should be d loss / d (the ReLU's output)", hint="tensor")
    try:
        with diagnostics.record_gradients(net):
            net(x)
            raise KeyError("raised inside the block")
    except KeyError:
        pass
    else:
        fail("an exception raised inside the `with` block should come out of it", hint="remove")
    check(hook_count(net) == 0, "hooks should be removed even when the block raises",
          f"{hook_count(net)} hook(s) are still there", hint="remove")


@exercise("diagnostics.record_gradients")
def test_record_gradients_detaches_even_when_the_backward_pass_builds_a_graph(diagnostics):
    # With create_graph=True (as when the gradients themselves are trained on), a gradient kept
    # as it came, without .detach(), holds a graph: the log of a long run would keep them all.
    model, x, upstream = model_and_input(11)
    net = remote(model)
    with diagnostics.record_gradients(net) as grads:
        y = net(x)
        backward(y, upstream, create_graph=True)
        seen = fetch(grads)
    check(isinstance(seen, dict) and set(seen) == {"1", "5"}, "the Tanh layers of this nn.Sequential are "
          "named '1' and '5'", f"yours recorded {sorted(seen) if isinstance(seen, dict) else describe(seen)}",
          hint="types")
    check(not any(t.requires_grad for t in seen.values()),
          "recorded gradients should be detached: after a backward pass with create_graph=True, yours still "
          "require grad", hint="detach")
