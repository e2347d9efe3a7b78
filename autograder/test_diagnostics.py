"""Graders for lecture 4, the diagnostic toolkit (exercises/diagnostics.py).

The numbers are checked on small hand-made tensors whose statistics are worked out here;
the hooks on small nn.Modules (recorded outputs compared with a manual forward pass, hooks
gone afterwards); the picture by reading the PNG's bytes back and decoding them here (Pillow),
checked against the data the grader gave (nothing your code says about its figure is taken).
"""
import io
import math
import struct

import numpy
import PIL.Image
import torch
import torch.nn as nn

from pathlib import Path

from course.grading.judge.api import (check, describe, exercise, expect, fail, fetch, is_number, is_sequence, number, remote,
                           runner_file, runner_path)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- activation_stats
@exercise("diagnostics.activation_stats")
def test_activation_stats_by_hand(diagnostics):
    t = torch.tensor([[0.5, -0.99, 0.0], [0.98, -0.2, 0.995]])
    s = diagnostics.activation_stats(t)
    check(isinstance(s, dict) and {"mean", "std", "saturated"} <= set(s),
          "activation_stats should return a dict with 'mean', 'std' and 'saturated'", f"got {describe(s)}",
          hint="keys")
    bad = [k for k in ("mean", "std", "saturated") if not is_number(s[k])]
    check(not bad, "each value should be a number: a float (use .item()) or a detached 0-d tensor",
          f"{bad[0]} is {describe(s[bad[0]])}" if bad else "", hint="keys")
    s = {k: number(s[k]) for k in ("mean", "std", "saturated")}
    expect(s["mean"]).close_to(t.mean().item(), atol=1e-6, why="the mean of all entries", hint="keys")
    # either estimator of the std is fine (n or n - 1): they differ on 6 numbers, not on a layer
    ok = any(math.isclose(s["std"], t.std(unbiased=u).item(), rel_tol=1e-5) for u in (True, False))
    check(ok, f"the std of all entries should be {t.std().item():.4f}", f"yours is {s['std']:.4f}", hint="keys")
    check(not math.isclose(s["saturated"], 50.0, rel_tol=1e-5), "'saturated' should be a fraction, 0.5 here",
          "yours is 50, a percentage", hint="fraction")
    check(not math.isclose(s["saturated"], 2 / 6, rel_tol=1e-5),
          "three of the six entries have |t| > 0.97 (-0.99 counts too): 'saturated' should be 0.5",
          "yours is 0.333: only the positive tail", hint="abs")
    expect(s["saturated"]).close_to(0.5, atol=1e-6,
                                    why="three of the six entries have |t| > 0.97: 'saturated' should be 0.5",
                                    hint="abs")


@exercise("diagnostics.activation_stats")
def test_activation_stats_threshold(diagnostics):
    t = torch.tensor([0.1, -0.6, 0.7, 0.95, -0.985, 0.999, 0.3, -0.2])
    for threshold, expected in ((0.5, 5 / 8), (0.9, 3 / 8), (0.99, 1 / 8)):
        s = diagnostics.activation_stats(t, threshold=threshold)
        expect(s["saturated"]).close_to(expected, atol=1e-6,
                                        why=f"with threshold={threshold}, {int(expected * 8)} of the 8 entries "
                                            f"have |t| > {threshold}", hint="threshold")


@exercise("diagnostics.activation_stats")
def test_activation_stats_of_a_layer_in_a_graph(diagnostics):
    w = torch.randn(20, 30, generator=torch.Generator().manual_seed(0), requires_grad=True)
    h = torch.tanh(torch.randn(64, 20, generator=torch.Generator().manual_seed(1)) @ w)
    s = diagnostics.activation_stats(h)
    expect(s["mean"]).close_to(h.mean().item(), atol=1e-5, why="the mean of a (64, 30) tanh layer", hint="keys")
    expect(s["saturated"]).close_to((h.abs() > 0.97).float().mean().item(), atol=1e-6,
                                    why="the saturated fraction of a (64, 30) tanh layer", hint="abs")


# ---------------------------------------------------------------- gradient_stats
def params_with_grads():
    w = torch.tensor([[1.0, -1.0], [3.0, -3.0]], requires_grad=True)
    w.grad = torch.tensor([[0.1, 0.1], [0.3, 0.3]])
    b = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
    b.grad = torch.tensor([-2.0, 0.0, 2.0])
    unused = torch.ones(4, requires_grad=True)          # no gradient: left out
    return [("w", w), ("unused", unused), ("b", b)]


@exercise("diagnostics.gradient_stats")
def test_gradient_stats_by_hand(diagnostics):
    named = params_with_grads()
    stats = diagnostics.gradient_stats(iter(named))          # a generator, as named_parameters() is
    check(isinstance(stats, dict), "gradient_stats should return a dict: name -> statistics",
          f"got {describe(stats)}", hint="skip")
    check("unused" not in stats, "a parameter without a gradient (p.grad is None) should be left out",
          f"yours has {sorted(stats)}", hint="skip")
    check(set(stats) == {"w", "b"}, "one entry per parameter with a gradient: 'w' and 'b'",
          f"yours has {sorted(stats)}", hint="skip")
    for name, p in named:
        if p.grad is None:
            continue
        s = stats[name]
        check(isinstance(s, dict) and {"mean", "std", "grad_to_data"} <= set(s),
              f"stats[{name!r}] should be a dict with 'mean', 'std' and 'grad_to_data'", f"got {describe(s)}",
              hint="grad")
        g = p.grad
        check(not math.isclose(s["mean"], p.detach().mean().item(), abs_tol=1e-9) or
              math.isclose(g.mean().item(), p.detach().mean().item(), abs_tol=1e-9),
              f"stats[{name!r}]['mean'] should be the gradient's mean, {g.mean().item():.4g}",
              f"yours is the parameter's, {s['mean']:.4g}", hint="grad")
        expect(s["mean"]).close_to(g.mean().item(), atol=1e-6, why=f"the mean of {name}.grad", hint="grad")
        ok = any(math.isclose(s["std"], g.std(unbiased=u).item(), rel_tol=1e-5) for u in (True, False))
        check(ok, f"stats[{name!r}]['std'] should be the std of {name}.grad, {g.std().item():.4g}",
              f"yours is {s['std']:.4g}", hint="grad")
        ratio = (g.std() / p.detach().std()).item()
        check(not math.isclose(s["grad_to_data"], 1 / ratio, rel_tol=1e-4),
              f"grad_to_data of {name} should be grad std / data std = {ratio:.4g}",
              f"yours is {s['grad_to_data']:.4g}, the inverse", hint="ratio")
        expect(s["grad_to_data"]).close_to(ratio, rtol=1e-4, atol=1e-9,
                                           why=f"grad_to_data of {name}: {name}.grad.std() / {name}.std()",
                                           hint="ratio")


@exercise("diagnostics.gradient_stats")
def test_gradient_stats_of_a_model(diagnostics):
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    model[2].bias.requires_grad_(False)
    model(torch.randn(16, 5, generator=torch.Generator().manual_seed(2))).pow(2).sum().backward()
    stats = diagnostics.gradient_stats(model.named_parameters())
    check(set(stats) == {"0.weight", "0.bias", "2.weight"},
          "the names should be those of named_parameters(), those with a gradient only",
          f"yours are {sorted(stats)}", hint="skip")
    g, p = model[0].weight.grad, model[0].weight.detach()
    expect(stats["0.weight"]["grad_to_data"]).close_to((g.std() / p.std()).item(), rtol=1e-4,
                                                       why="grad_to_data of 0.weight", hint="ratio")


# ---------------------------------------------------------------- update_to_data
@exercise("diagnostics.update_to_data")
def test_update_to_data_by_hand(diagnostics):
    a = torch.tensor([2.0, -2.0, 2.0, -2.0], requires_grad=True)
    a.grad = torch.tensor([1.0, -1.0, 1.0, -1.0])
    b = torch.tensor([[0.1, 0.3], [0.5, 0.9]], requires_grad=True)
    b.grad = torch.tensor([[1.0, -3.0], [2.0, 0.5]])
    lr = 0.02
    out = diagnostics.update_to_data([a, b], lr)
    check(is_sequence(out, 2), "update_to_data should return a list, one number per parameter",
          f"got {describe(out)}", hint="ratio")
    check(all(is_number(v) for v in out), "each ratio should be a number: a float (.item()) or a detached 0-d tensor",
          f"got {describe(out)}", hint="log10")
    out = [number(v) for v in out]
    expected = [math.log10((lr * p.grad).std().item() / p.detach().std().item()) for p in (a, b)]
    for i, (got, want) in enumerate(zip(out, expected)):
        check(not math.isclose(got, want * math.log(10), rel_tol=1e-4),
              f"parameter {i}: log10 of the ratio should be {want:.4f}", f"yours is {got:.4f}, the natural log",
              hint="log10")
        check(not math.isclose(got, want - math.log10(lr), rel_tol=1e-4),
              f"parameter {i}: log10(std(lr * grad) / std(data)) should be {want:.4f}",
              f"yours is {got:.4f}, without lr", hint="lr")
        check(not math.isclose(got, -want, rel_tol=1e-4),
              f"parameter {i}: the ratio is update over data, log10 {want:.4f}", f"yours is {got:.4f}, the inverse",
              hint="ratio")
        expect(got).close_to(want, atol=1e-4, why=f"parameter {i}: log10(std(lr * grad) / std(data))",
                             hint="ratio")


@exercise("diagnostics.update_to_data")
def test_update_to_data_healthy_is_minus_three(diagnostics):
    w = torch.randn(50, 40, generator=torch.Generator().manual_seed(3), requires_grad=True)
    w.grad = w.detach() * 0.01              # std(lr * grad) / std(w) = lr * 0.01 = 1e-3 with lr 0.1
    out = diagnostics.update_to_data([w], lr=0.1)
    expect(out[0]).close_to(-3.0, atol=1e-4, why="a step a thousandth the size of the data gives -3", hint="log10")


# ---------------------------------------------------------------- record_activations
# The hooks go on a copy of the grader's model that lives beside your code (`remote`): the
# grader runs its forward passes there, and reads what your `with` block yields with `fetch`.
def small_model():
    torch.manual_seed(4)
    return nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 4), nn.Tanh())


def hook_count(model) -> int:
    """Every hook on the model's modules: forward and backward, pre-hooks too."""
    kinds = ("_forward_pre_hooks", "_forward_hooks", "_backward_pre_hooks", "_backward_hooks")
    return sum(len(getattr(m, kind)) for m in model.modules() for kind in kinds)


def yields_a_dict(acts) -> bool:
    return isinstance(acts, dict) or type(acts).__name__ in ("dict", "OrderedDict", "defaultdict")


@exercise("diagnostics.record_activations")
def test_record_activations_records_tanh_layers(diagnostics):
    model = small_model()
    net = remote(model)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(5))
    with diagnostics.record_activations(net) as acts:
        check(yields_a_dict(acts), "record_activations should yield a dict", f"it yields {describe(acts)}",
              hint="hook")
        y = net(x)
        seen = fetch(acts)
        check(set(seen) == {"1", "5"}, "the Tanh layers of this nn.Sequential are named '1' and '5'",
              f"yours recorded {sorted(seen)}", hint="hook")
        with torch.no_grad():
            h1 = torch.tanh(model[0](x))
        expect(seen["1"]).close_to(h1, why="acts['1'] should be the output of layer '1' (tanh)", hint="hook")
        expect(seen["5"]).close_to(y.detach(), why="acts['5'] should be the output of the last Tanh", hint="hook")
        check(not seen["1"].requires_grad, "recorded outputs should be detached from the graph",
              "yours requires grad", hint="detach")
        x2 = torch.randn(2, 3, generator=torch.Generator().manual_seed(6))
        y2 = net(x2)
        expect(fetch(acts)["5"]).close_to(y2.detach(), why="after a second forward pass, acts should hold its outputs",
                                          hint="hook")
    check(hook_count(net) == 0, "when the `with` block ends, every hook should be removed",
          f"{hook_count(net)} hook(s) are still there", hint="remove")
    net(torch.randn(7, 3))
    last = fetch(acts)["5"]
    check(last.shape[0] == 2, "after the `with` block, forward passes should no longer be recorded",
          f"acts['5'] now holds a batch of {last.shape[0]}", hint="remove")


@exercise("diagnostics.record_activations")
def test_record_activations_other_types_and_nested_names(diagnostics):
    block = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    model = nn.Sequential()
    model.add_module("inner", block)
    model.add_module("act", nn.Tanh())
    model.add_module("head", nn.Linear(4, 2))
    net = remote(model)
    with diagnostics.record_activations(net, layer_types=(nn.Linear, nn.ReLU)) as acts:
        net(torch.randn(3, 4))
    seen = fetch(acts)
    check(set(seen) == {"inner.0", "inner.1", "head"},
          "with layer_types=(nn.Linear, nn.ReLU), the layers named 'inner.0', 'inner.1' and 'head'",
          f"yours recorded {sorted(seen)}", hint="types")
    check(tuple(seen["head"].shape) == (3, 2), "acts['head'] should be the head's (3, 2) output",
          f"its shape is {tuple(seen['head'].shape)}", hint="hook")


@exercise("diagnostics.record_activations")
def test_record_activations_removes_hooks_after_an_error(diagnostics):
    net = remote(small_model())
    try:
        with diagnostics.record_activations(net):
            net(torch.randn(2, 3))
            raise KeyError("raised inside the block")
    except KeyError:
        pass
    else:
        fail("an exception raised inside the `with` block should come out of it", hint="remove")
    check(hook_count(net) == 0, "hooks should be removed even when the block raises",
          f"{hook_count(net)} hook(s) are still there", hint="remove")


# ---------------------------------------------------------------- plot_histograms
# Your function draws beside your code. The grader takes nothing your code says about the
# picture: it reads the bytes of the file (runner_file), decodes them here with Pillow (the
# header first: a picture too large is refused before it is decoded) and checks the pixels
# against the data it gave: a plot (a background with marks on it, not noise, not blank), at
# least one distribution per tensor (a colour of its own on one axis, or a panel each), and a
# picture that changes when the data does.
MAX_SIDE = 5000                 # pixels a side: any honest figure, no decompression bomb
SIDE_RANGE = (50, MAX_SIDE)


def written(path: str) -> bytes:
    """The bytes your code wrote at `path`, or a failure naming what is missing."""
    try:
        blob = runner_file(path)
    except OSError:
        blob = b""
    check(isinstance(blob, bytes) and len(blob) > 0, f"plot_histograms should write the picture to {Path(path).name}",
          "no file was written", hint="png")
    return blob


def decoded(blob: bytes) -> numpy.ndarray:
    """The PNG `blob` as an (height, width, 3) uint8 array, decoded here; a failure if it is not a
    PNG, cannot be read, or is smaller or larger than any plot."""
    check(blob[:8] == PNG_SIGNATURE, "the file should be a PNG image", f"it starts with {blob[:8]!r}", hint="png")
    low, high = SIDE_RANGE
    if len(blob) >= 24 and blob[12:16] == b"IHDR":          # the size, read here before Pillow decodes a byte
        width, height = struct.unpack(">II", blob[16:24])
        check(low <= width <= high and low <= height <= high,
              f"the picture should be a figure's size ({low} to {high} pixels a side)",
              f"yours is {width} x {height}", hint="png")
    try:
        image = PIL.Image.open(io.BytesIO(blob), formats=["PNG"])
        width, height = image.size
    except Exception as exc:  # noqa: BLE001 - whatever Pillow makes of a broken header
        fail("the file should be a PNG image that can be read", f"its header cannot ({type(exc).__name__})", hint="png")
    check(low <= width <= high and low <= height <= high,
          f"the picture should be a figure's size ({low} to {high} pixels a side)", f"yours is {width} x {height}",
          hint="png")
    try:
        pixels = numpy.asarray(image.convert("RGB"), dtype=numpy.uint8)
    except Exception as exc:  # noqa: BLE001 - a truncated or corrupt image
        fail("the file should be a PNG image that can be read", f"it cannot be decoded ({type(exc).__name__})",
             hint="png")
    return pixels


def hue_groups(pixels: numpy.ndarray) -> int:
    """How many distinct colours the picture's coloured pixels show: peaks of their hues (in bins of
    10 degrees, around the circle). matplotlib's colour cycle gives each curve on an axis its own."""
    r, g, b = (pixels[..., i].reshape(-1).astype(numpy.float32) / 255 for i in range(3))
    top, bottom = numpy.maximum(numpy.maximum(r, g), b), numpy.minimum(numpy.minimum(r, g), b)
    coloured = (top > 0.2) & (top - bottom > 0.15 * top)
    if not coloured.any():
        return 0
    r, g, b, top, bottom = r[coloured], g[coloured], b[coloured], top[coloured], bottom[coloured]
    span = numpy.maximum(top - bottom, 1e-6)
    hue = numpy.where(top == r, ((g - b) / span) % 6, numpy.where(top == g, (b - r) / span + 2, (r - g) / span + 4))
    bins = numpy.bincount((hue * 6).astype(int) % 36, minlength=36)         # 36 bins of 10 degrees
    enough = bins >= max(60, pixels.shape[0] * pixels.shape[1] // 4000)
    peaks = enough & (bins > numpy.roll(bins, 1)) & (bins >= numpy.roll(bins, -1))
    return int(peaks.sum())


def panels(pixels: numpy.ndarray) -> int:
    """How many axes frames the picture shows: pairs of long dark horizontal lines (an axes' top
    and bottom spines) over the same columns."""
    dark = pixels.max(2) < 90
    height, width = dark.shape
    longest = max(20, width // 12)
    lines: list[list[int]] = []                    # [first row, last row, x0, x1]
    for y in range(height):
        row = numpy.concatenate(([0], dark[y].astype(numpy.int8), [0]))
        edges = numpy.flatnonzero(numpy.diff(row))
        for x0, x1 in zip(edges[::2], edges[1::2]):
            if x1 - x0 < longest:
                continue
            same = next((ln for ln in lines if ln[1] >= y - 1 and abs(ln[2] - x0) <= 2 and abs(ln[3] - x1) <= 2), None)
            if same is not None:
                same[1] = y                        # the same line, one pixel thicker
            else:
                lines.append([y, y, int(x0), int(x1)])
    columns: list[list[int]] = []                  # [x0, x1, lines over (nearly) those columns]
    for _, _, x0, x1 in lines:
        group = next((c for c in columns if min(c[1], x1) - max(c[0], x0) >= 0.9 * max(c[1] - c[0], x1 - x0)), None)
        if group is None:
            columns.append([x0, x1, 1])
        else:
            group[2] += 1
    return sum(count // 2 for _, _, count in columns)


def check_plot(pixels: numpy.ndarray, layers: int, names: str) -> None:
    """The picture is a plot, not blank and not noise, and shows `layers` distributions."""
    packed = (pixels[..., 0].astype(numpy.int64) << 16) | (pixels[..., 1].astype(numpy.int64) << 8) | pixels[..., 2]
    counts = numpy.sort(numpy.unique(packed, return_counts=True)[1])[::-1]
    total = packed.size
    background = counts[0] / total
    common = counts[:64].sum() / total
    check(background >= 0.3 and common >= 0.8,
          "the picture should be a plot: a background with curves or bars on it",
          f"yours looks like noise (its most common colour covers {background:.0%} of it, its 64 most common "
          f"{common:.0%})", hint="layers")
    check(background <= 0.998, "the picture should show something", "yours is blank", hint="layers")
    drawn = hue_groups(pixels)
    if drawn < layers:                             # one colour for all: a panel each, then?
        drawn = max(drawn, panels(pixels))
    check(drawn >= layers, f"one distribution per layer: {names}, each in a colour of its own (or a panel each)",
          f"yours shows {drawn}", hint="layers")


def tensors():
    g = torch.Generator().manual_seed(9)
    w = torch.randn(40, 40, generator=g, requires_grad=True)
    return {
        "layer 1 (tanh)": torch.tanh(3 * torch.randn(2000, generator=g)),
        "layer 3 (tanh)": torch.tanh(0.5 * torch.randn(400, 5, generator=g)),
        "layer 5 (tanh)": torch.tanh(torch.randn(30, 40, generator=g) @ w / 6),    # requires grad
    }


@exercise("diagnostics.plot_histograms")
def test_plot_histograms_writes_a_png(diagnostics):
    path = runner_path("histograms.png")
    try:
        diagnostics.plot_histograms(tensors(), path)
    except RuntimeError as e:
        if "requires grad" in str(e):
            fail("plot_histograms should accept tensors that require grad", "yours raised RuntimeError",
                 hint="detach")
        raise
    check_plot(decoded(written(path)), 3, "three tensors, three curves (or histograms)")


@exercise("diagnostics.plot_histograms")
def test_plot_histograms_accepts_a_path_and_draws_the_data(diagnostics):
    g = torch.Generator().manual_seed(10)
    first, second = runner_path("one.png"), runner_path("other.png")
    diagnostics.plot_histograms({"only": torch.randn(300, generator=g)}, Path(first))
    picture = decoded(written(first))
    check_plot(picture, 1, "one tensor, one curve (or histogram)")
    diagnostics.plot_histograms({"only": torch.rand(300, generator=g) ** 3 * 4 - 1}, Path(second))
    other = decoded(written(second))
    differ = picture.shape != other.shape or float(numpy.mean(numpy.any(picture != other, axis=2))) > 0.001
    check(differ, "the picture should show the data: another distribution, another picture",
          "yours is the same picture for both", hint="layers")
