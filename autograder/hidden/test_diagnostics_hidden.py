"""Hidden graders for lecture 4, the diagnostic toolkit: the same contracts as
autograder/test_diagnostics.py, on inputs the learner never saw (other shapes and thresholds,
other layer names and types, other learning rates, hooks already on the model), so that an
answer written for the public checks' numbers fails here. plot_histograms draws four layers of
other names and sizes: four distributions in the picture, decoded and counted here.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import math
import sys
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn as nn

from course.grading.judge.api import check, describe, exercise, expect, fetch, is_number, is_sequence, number, remote, runner_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_diagnostics import check_plot, decoded, hook_count, written, yields_a_dict  # noqa: E402


def close(a, b, rel=1e-5, abs_=1e-7) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# ---------------------------------------------------------------- activation_stats
@exercise("diagnostics.activation_stats")
def test_hidden_activation_stats_three_dims_and_thresholds(diagnostics):
    g = torch.Generator().manual_seed(8128)
    w = (1.7 * torch.randn(3, 4, 5, generator=g)).requires_grad_(True)
    t = torch.tanh(w + 0.4)                                   # part of a graph, off-centre
    flat_t = t.detach().flatten().double()
    for threshold in (0.97, 0.6, 0.85):
        s = (diagnostics.activation_stats(t) if threshold == 0.97
             else diagnostics.activation_stats(t, threshold=threshold))
        check(isinstance(s, dict) and {"mean", "std", "saturated"} <= set(s),
              "activation_stats should return a dict with 'mean', 'std' and 'saturated'", f"got {describe(s)}",
              hint="keys")
        bad = [k for k in ("mean", "std", "saturated") if not is_number(s[k])]
        check(not bad, "each value should be a number: a float (use .item()) or a detached 0-d tensor",
              f"{bad[0]} is {describe(s[bad[0]])}" if bad else "", hint="keys")
        s = {k: number(s[k]) for k in ("mean", "std", "saturated")}
        expect(s["mean"]).close_to(flat_t.mean().item(), atol=1e-6,
                                   why="'mean' should be the mean of every entry of a 3-dimensional tensor",
                                   hint="keys")
        ok = any(close(s["std"], flat_t.std(unbiased=u).item()) for u in (True, False))
        check(ok, f"'std' should be the std of every entry, {flat_t.std().item():.4f}",
              f"yours is {s['std']:.4f}", hint="keys")
        want = (flat_t.abs() > threshold).double().mean().item()
        check(not close(s["saturated"], 100 * want), f"'saturated' should be a fraction, {want:.4f} here",
              "yours is a percentage", hint="fraction")
        check(not close(s["saturated"], (flat_t > threshold).double().mean().item()) or close(s["saturated"], want),
              f"with threshold {threshold}, 'saturated' should count both tails, {want:.4f}",
              f"yours is {s['saturated']:.4f}, the positive tail only", hint="abs")
        expect(s["saturated"]).close_to(want, atol=1e-6,
                                        why=f"with threshold {threshold}, the fraction of entries with "
                                            f"|t| > {threshold} is {want:.4f}", hint="threshold")


# ---------------------------------------------------------------- gradient_stats
class TwoHeads(nn.Module):
    """One head is used, the other is not: its parameters get no gradient."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(6, 9)
        self.mix = nn.Parameter(torch.linspace(-1.0, 2.0, 9))
        self.left_head = nn.Linear(9, 4)
        self.right_head = nn.Linear(9, 4)             # never called

    def forward(self, x):
        return self.left_head(torch.tanh(self.encoder(x)) * self.mix)


@exercise("diagnostics.gradient_stats")
def test_hidden_gradient_stats_unused_head(diagnostics):
    torch.manual_seed(31)
    model = TwoHeads()
    model.encoder.bias.requires_grad_(False)
    x = torch.randn(12, 6, generator=torch.Generator().manual_seed(32))
    (model(x) ** 3).mean().backward()
    stats = diagnostics.gradient_stats(model.named_parameters())
    expected = {name for name, p in model.named_parameters() if p.grad is not None}
    check(isinstance(stats, dict), "gradient_stats should return a dict: name -> statistics",
          f"got {describe(stats)}", hint="skip")
    check(set(stats) == expected,
          "one entry per parameter that has a gradient, named as named_parameters() names it",
          f"yours has {sorted(stats)}", hint="skip")
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        s = stats[name]
        check(isinstance(s, dict) and {"mean", "std", "grad_to_data"} <= set(s),
              f"stats[{name!r}] should be a dict with 'mean', 'std' and 'grad_to_data'", f"got {describe(s)}",
              hint="grad")
        gr, data = p.grad.double(), p.detach().double()
        expect(s["mean"]).close_to(gr.mean().item(), atol=1e-7, rtol=1e-4,
                                   why=f"'mean' of {name} should be the mean of its gradient", hint="grad")
        ok = any(close(s["std"], gr.std(unbiased=u).item(), rel=1e-4) for u in (True, False))
        check(ok, f"'std' of {name} should be the std of its gradient, {gr.std().item():.4g}",
              f"yours is {s['std']:.4g}", hint="grad")
        ratio = (gr.std() / data.std()).item()
        check(not close(s["grad_to_data"], 1 / ratio, rel=1e-4),
              f"grad_to_data of {name} should be grad std / data std = {ratio:.4g}",
              f"yours is {s['grad_to_data']:.4g}, the inverse", hint="ratio")
        expect(s["grad_to_data"]).close_to(ratio, atol=1e-9, rtol=1e-4,
                                           why=f"grad_to_data of {name}: its gradient's std over its own std",
                                           hint="ratio")


# ---------------------------------------------------------------- update_to_data
@exercise("diagnostics.update_to_data")
def test_hidden_update_to_data_model_parameters(diagnostics):
    torch.manual_seed(77)
    model = nn.Sequential(nn.Linear(5, 11), nn.Tanh(), nn.Linear(11, 3))
    model(torch.randn(9, 5, generator=torch.Generator().manual_seed(78))).pow(2).sum().backward()
    with torch.no_grad():
        model[2].weight.grad.mul_(250.0)              # one layer with a much larger step than the others
    params = list(model.parameters())
    for lr in (0.003, 0.7):
        out = diagnostics.update_to_data(model.parameters(), lr)     # a generator, as parameters() is
        check(is_sequence(out, len(params)),
              f"update_to_data should return a list, one number per parameter ({len(params)} here)",
              f"got {describe(out)}", hint="ratio")
        check(all(is_number(v) for v in out),
              "each ratio should be a number: a float (.item()) or a detached 0-d tensor",
              f"got {describe(out)}", hint="log10")
        out = [number(v) for v in out]
        for i, (got, p) in enumerate(zip(out, params)):
            want = math.log10((lr * p.grad.double()).std().item() / p.detach().double().std().item())
            check(not close(got, want - math.log10(lr), rel=1e-4),
                  f"parameter {i}, lr {lr}: log10(std(lr * grad) / std(data)) should be {want:.4f}",
                  f"yours is {got:.4f}, without lr", hint="lr")
            check(not close(got, want * math.log(10), rel=1e-4),
                  f"parameter {i}: the ratio should be on a log10 scale, {want:.4f}",
                  f"yours is {got:.4f}, the natural log", hint="log10")
            check(not close(got, -want, rel=1e-4),
                  f"parameter {i}: the ratio is update over data, log10 {want:.4f}",
                  f"yours is {got:.4f}, the inverse", hint="ratio")
            expect(got).close_to(want, atol=1e-4,
                                 why=f"parameter {i}, lr {lr}: log10(std(lr * grad) / std(data))", hint="ratio")


# ---------------------------------------------------------------- record_activations
def nested_model():
    torch.manual_seed(404)
    body = nn.Sequential(OrderedDict(fc=nn.Linear(4, 8), squash=nn.Tanh(), fc2=nn.Linear(8, 8), gate=nn.ReLU()))
    return nn.Sequential(OrderedDict(body=body, smooth=nn.GELU(), out=nn.Linear(8, 3), final=nn.Tanh()))


@exercise("diagnostics.record_activations")
def test_hidden_record_activations_keeps_other_hooks(diagnostics):
    model = nested_model()
    net = remote(model)
    seen = []
    own = net.body.gate.register_forward_hook(lambda m, i, o: seen.append(o.shape[0]))   # the user's own hook
    before = hook_count(net)
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(405))
    with diagnostics.record_activations(net, layer_types=(nn.ReLU, nn.Tanh)) as acts:
        check(yields_a_dict(acts), "record_activations should yield a dict", f"it yields {describe(acts)}",
              hint="hook")
        net(torch.randn(2, 4))
        y = net(x)
        recorded = fetch(acts)
        check(set(recorded) == {"body.squash", "body.gate", "final"},
              "with layer_types=(nn.ReLU, nn.Tanh), the layers named 'body.squash', 'body.gate' and 'final' "
              "(names as model.named_modules() gives them)", f"yours recorded {sorted(recorded)}", hint="types")
        with torch.no_grad():
            h = torch.tanh(model.body.fc(x))
            r = torch.relu(model.body.fc2(h))
        expect(recorded["body.squash"]).close_to(h, why="acts['body.squash'] should hold the latest pass's output",
                                                 hint="hook")
        expect(recorded["body.gate"]).close_to(r, why="acts['body.gate'] should hold the latest pass's output",
                                               hint="hook")
        expect(recorded["final"]).close_to(y.detach(), why="acts['final'] should be the model's output", hint="hook")
        check(all(not t.requires_grad for t in recorded.values()),
              "recorded outputs should be detached from the graph", "yours require grad", hint="detach")
    check(hook_count(net) == before,
          "when the `with` block ends, the hooks it added (and only those) should be removed",
          f"{before} hook(s) before the block, {hook_count(net)} after", hint="remove")
    seen.clear()
    net(torch.randn(3, 4))
    check(seen == [3], "a hook the model already had should still work after the block",
          "it no longer runs", hint="remove")
    last = fetch(acts)["final"]
    check(last.shape[0] == 6, "after the `with` block, forward passes should no longer be recorded",
          f"acts['final'] now holds a batch of {last.shape[0]}", hint="remove")
    own.remove()


# ---------------------------------------------------------------- plot_histograms
@exercise("diagnostics.plot_histograms")
def test_hidden_plot_histograms_four_layers(diagnostics):
    g = torch.Generator().manual_seed(31)
    layers = OrderedDict((f"block{i}.act", torch.tanh(torch.randn(64, 8 + i, generator=g) * (0.5 + i)))
                         for i in range(4))
    path = runner_path("four.png")
    diagnostics.plot_histograms(layers, path)
    check_plot(decoded(written(path)), 4, "four tensors, four curves (or histograms)")
