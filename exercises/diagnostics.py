"""Lecture 4 — a diagnostic toolkit: look inside a network while it trains.

A loss curve says *that* training goes badly, rarely *why*. These few measurements say why,
layer by layer, and they are worth keeping in every training loop you write from now on:

- activations (forward): their mean, spread and the fraction saturated at the flat ends of
  tanh, where almost no gradient flows back;
- gradients (backward): their spread, compared with the spread of the data they update;
- update-to-data ratio: how large one step of the optimiser is relative to the parameter it
  changes. Around 1e-3 (-3 on a log10 scale) is healthy; far below, the layer learns too
  slowly; far above, it thrashes;
- histograms: one distribution per layer, drawn together so a layer that is off shows up.

`log_diagnostics` puts the numbers together in one table; it is given, built on the five
functions you write.
"""
from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Iterable, Iterator

import torch
import torch.nn as nn

FIGSIZE, DPI = (10, 4), 100          # plot_histograms' picture: 1000 x 400 pixels


def activation_stats(t: torch.Tensor, threshold: float = 0.97) -> dict[str, float]:
    """Mean, standard deviation and saturation of a layer's output `t` (any shape).

    `saturated` is the fraction of entries with |t| > threshold: for a tanh layer, the part
    sitting on the flat tails, where the local gradient 1 - t**2 is nearly 0. Each of the three
    is a number: float or 0-d tensor (without a graph); std is torch's t.std() (the biased std
    is accepted too).

    >>> s = activation_stats(torch.tensor([0.5, -0.99, 0.0, 0.98]))
    >>> round(s['mean'], 4), round(s['std'], 4), s['saturated']
    (0.1225, 0.8427, 0.5)
    """
    # TODO (diagnostics.activation_stats): summarise t: its mean, its spread, and the fraction of values beyond the threshold.
    raise NotImplementedError("diagnostics.activation_stats is not started yet; hints: course.toml, or `course hint activation_stats`")


def gradient_stats(named_parameters: Iterable[tuple[str, torch.Tensor]]) -> dict[str, dict[str, float]]:
    """Statistics of every parameter's gradient: name -> {'mean', 'std', 'grad_to_data'}.

    `named_parameters` is what model.named_parameters() gives (any iterable of (name,
    tensor) pairs). `mean` and `std` are those of the gradient; `grad_to_data` is the
    gradient's std over the parameter's own std: how big the gradient is relative to the
    numbers it will change. Each value is a number: float or 0-d tensor (without a graph).
    Parameters without a gradient (p.grad is None) are left out.

    >>> w = torch.tensor([1.0, -1.0, 3.0, -3.0], requires_grad=True)
    >>> w.grad = torch.tensor([0.1, 0.1, 0.3, 0.3])
    >>> frozen = torch.ones(3)
    >>> stats = gradient_stats([('w', w), ('frozen', frozen)])
    >>> list(stats), round(stats['w']['mean'], 4), round(stats['w']['grad_to_data'], 4)
    (['w'], 0.2, 0.0447)
    """
    # TODO (diagnostics.gradient_stats): for each parameter that has a gradient: that gradient's mean and spread, and its
    #       size relative to the parameter's own.
    raise NotImplementedError("diagnostics.gradient_stats is not started yet; hints: course.toml, or `course hint gradient_stats`")


def update_to_data(parameters: Iterable[torch.Tensor], lr: float) -> list[float]:
    """log10(std(lr * grad) / std(data)) for each parameter, in order: the size of one SGD
    step relative to the parameter. Healthy is near -3. A parameter without a gradient gives
    nan, so that positions still line up with the parameters. Returns a sequence (list or
    tuple) of numbers, each a float or a 0-d tensor (without a graph).

    >>> w = torch.tensor([1.0, -1.0, 1.0, -1.0], requires_grad=True)
    >>> w.grad = torch.tensor([0.5, -0.5, 0.5, -0.5])
    >>> update_to_data([w], lr=0.002)                  # 0.001 / 1
    [-3.0]
    """
    # TODO (diagnostics.update_to_data): for each parameter, the size of one SGD step relative to the parameter, in log10.
    raise NotImplementedError("diagnostics.update_to_data is not started yet; hints: course.toml, or `course hint update_to_data`")


@contextlib.contextmanager
def record_activations(model: nn.Module,
                       layer_types: tuple[type, ...] = (nn.Tanh,)) -> Iterator[dict[str, torch.Tensor]]:
    """Record the output of every layer of `model` whose type is one of `layer_types`.

    A context manager: it yields a dict, module name (as model.named_modules() gives it) ->
    that layer's latest output, detached from the graph, refreshed on every forward pass.
    When the block ends (normally or by an exception) the hooks are removed, so the model
    runs exactly as before.

    >>> model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2), nn.Tanh())
    >>> with record_activations(model) as acts:
    ...     _ = model(torch.randn(5, 4))
    >>> sorted(acts), tuple(acts['1'].shape), acts['3'].requires_grad
    (['1', '3'], (5, 8), False)
    """
    # TODO (diagnostics.record_activations): while the with-block runs, keep each matching layer's latest output (without its
    #       graph) in the dict you yield; afterwards leave the model as it was, even after an error.
    raise NotImplementedError("diagnostics.record_activations is not started yet; hints: course.toml, or `course hint record_activations`")


@contextlib.contextmanager
def record_gradients(model: nn.Module,
                     layer_types: tuple[type, ...] = (nn.Tanh,)) -> Iterator[dict[str, torch.Tensor]]:
    """Record the gradient of the loss with respect to the output of every layer of `model`
    whose type is one of `layer_types`: the lecture's `t.retain_grad()` then `t.grad`, for any
    nn.Module.

    A context manager: it yields a dict, module name -> d loss / d (that layer's latest output),
    detached, filled when backward() runs inside the block (after a forward pass inside it).
    When the block ends (normally or by an exception) the hooks are removed.

    >>> model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2), nn.Tanh())
    >>> with record_gradients(model) as grads:
    ...     model(torch.randn(5, 4)).sum().backward()
    >>> sorted(grads), grads['3'].tolist() == torch.ones(5, 2).tolist()
    (['1', '3'], True)
    """
    # TODO (diagnostics.record_gradients): while the with-block runs, keep the gradient that reaches each matching layer's
    #       output in the dict you yield; afterwards leave the model as it was, even after an error.
    raise NotImplementedError("diagnostics.record_gradients is not started yet; hints: course.toml, or `course hint record_gradients`")


def plot_histograms(tensors_by_name: dict[str, torch.Tensor], path: str | Path,
                    title: str = "") -> None:
    """Draw the distribution of every tensor of `tensors_by_name` and save one PNG at `path`.

    One curve per layer (a density histogram drawn as a line), all on one axis, each in a
    colour of its own (matplotlib's colour cycle does that) with the layer's name in the legend,
    so the layers can be compared at a glance; any matplotlib way of drawing a distribution will
    do (plot, hist of any histtype, stairs, bar), and so does one panel per layer with the name
    as its title. The picture is a figure's size (the lecture's 10 x 4 inches at 100 dpi, 1000 x
    400 pixels; any size between 50 and 5000 pixels a side will do) and shows the data: other
    tensors, another picture. Tensors may require grad. Close the figure afterwards, so that
    calling this every few hundred steps does not pile up open figures.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), 'h.png')
    >>> plot_histograms({'layer 1': torch.randn(500), 'layer 2': torch.rand(500)}, path)
    >>> open(path, 'rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'
    True
    """
    # TODO (diagnostics.plot_histograms): one PNG at `path`, FIGSIZE at DPI, one labelled distribution per named tensor.
    raise NotImplementedError("diagnostics.plot_histograms is not started yet; hints: course.toml, or `course hint plot_histograms`")


def log_diagnostics(activations: dict[str, torch.Tensor],
                    named_parameters: Iterable[tuple[str, torch.Tensor]] = (),
                    lr: float | None = None, threshold: float = 0.97) -> str:
    """One table of the numbers above, to print now and then while training.

    A row per recorded layer (mean, std, saturation %), then a row per parameter with a
    gradient (gradient std, grad:data and, given `lr`, the log10 update:data ratio). Returns
    the text; print it, or write it to a log.

        with record_activations(model) as acts:
            loss = loss_fn(model(X), Y)
        loss.backward()
        print(log_diagnostics(acts, model.named_parameters(), lr=0.1))
    """
    lines = [f"{'layer':<16}{'mean':>9}{'std':>9}{'saturated':>11}"]
    for name, t in activations.items():
        s = activation_stats(t, threshold)
        lines.append(f"{name:<16}{s['mean']:>+9.3f}{s['std']:>9.3f}{100 * s['saturated']:>10.1f}%")
    named = [(n, p) for n, p in named_parameters if p.grad is not None]
    if named:
        lines.append("")
        lines.append(f"{'parameter':<16}{'shape':>12}{'grad std':>11}{'grad:data':>11}"
                     + (f"{'log10 update:data':>19}" if lr is not None else ""))
        grads = gradient_stats(named)
        ratios = update_to_data([p for _, p in named], lr) if lr is not None else [None] * len(named)
        for (name, p), ratio in zip(named, ratios):
            g = grads[name]
            shape = "x".join(map(str, p.shape))
            row = f"{name:<16}{shape:>12}{g['std']:>11.2e}{g['grad_to_data']:>11.2e}"
            if ratio is not None:
                row += f"{ratio:>19.2f}"
            lines.append(row)
    return "\n".join(lines)
