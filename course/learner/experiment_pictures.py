"""The pictures of `course experiments`.

Per experiment: its loss curve and its update-to-data ratios (drawn here), and its activation and
gradient histograms at initialisation (drawn by the learner's own `plot_histograms`, the layers
given in the network's order so that layer i has the same colour in both). Then two pictures of
all the experiments, made to be read at the width a README shows them (about 1,000 pixels):

- experiments.png compares the runs on shared axes, one colour per run: the training loss, the
  update-to-data ratios over training, and per tanh layer the saturation (at initialisation and
  after training) and the spread of the gradient reaching it;
- histograms.png holds one row per run, the tanh layers' outputs and the gradients reaching them at
  initialisation, one colour per layer (the same names, tanh1 ... tanh5, in both columns).

Inside one experiment's pictures a layer keeps one colour: tanh3, linear3 and bn3 are layer 3.
"""
from __future__ import annotations

import functools
import inspect
import math
from pathlib import Path

import torch

from course.learner.deepnet import N_LAYERS

DPI = 100
FONT = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "xtick.labelsize": 10,
        "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 14}
RUN_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf")
LOSS_RANGE = (2.0, 4.0)   # linear: the differences that matter are between 2.2 and 3.3
SATURATED = 0.97          # |t| above it counts as saturated (the learner's activation_stats' default)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")              # files only, no display
    import matplotlib.pyplot as plt
    return plt


def styled(make):
    """Make the figure with the pictures' font sizes (FONT), leaving matplotlib's settings as they were."""
    @functools.wraps(make)
    def wrapper(*args, **kwargs):
        with _pyplot().rc_context(FONT):
            return make(*args, **kwargs)
    return wrapper


def smooth(values: list[float], window: int) -> tuple[list[int], list[float]]:
    """Means over consecutive windows, placed at each window's middle step."""
    t = torch.tensor(values)
    window = max(1, min(window, len(values)))
    n = len(values) // window
    means = t[: n * window].view(n, window).mean(1)
    return [i * window + window // 2 for i in range(n)], means.tolist()


def layer_colour(name: str) -> str:
    """One colour per layer, as matplotlib's colour cycle gives them to the layers in order:
    tanh3, linear3 and bn3 are layer 3 (C2); out is last."""
    digits = "".join(ch for ch in name.split(".")[0] if ch.isdigit())
    return f"C{int(digits) - 1}" if digits else f"C{N_LAYERS}"


def in_network_order(tensors: dict) -> dict:
    """The layers by depth (tanh1 first): gradients are recorded in backward order, the last layer
    first, and a picture that colours its curves in order would colour them the other way round."""
    def depth(name: str) -> int:
        digits = "".join(ch for ch in name.split(".")[0] if ch.isdigit())
        return int(digits) if digits else N_LAYERS + 1
    return dict(sorted(tensors.items(), key=lambda item: depth(item[0])))


def mean_saturation(r: dict, when: str = "init") -> float:
    values = list(r[f"saturation_{when}"].values())
    return 100 * sum(values) / len(values)


# ---------------------------------------------------------------------- one experiment
def plot_loss(path: Path, title: str, r: dict) -> None:
    save(loss_figure(title, r), path)


@styled
def loss_figure(title: str, r: dict):
    """The loss of every step and its mean over windows of steps; a log axis when the run goes
    above the usual range (N(0,1) init), so that nothing is cut off."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=DPI)
    ax.plot(range(len(r["losses"])), r["losses"], color="C0", alpha=0.25, linewidth=0.5, label="loss of each step")
    x, y = smooth(r["losses"], max(1, len(r["losses"]) // 40))
    ax.plot(x, y, color="C0", linewidth=2, label=f"mean of each {max(1, len(r['losses']) // 40)} steps")
    ax.axhline(r["expected_initial_loss"], color="grey", linestyle="--", linewidth=1,
               label=f"-ln(1/V) = {r['expected_initial_loss']:.2f}, a uniform guess")
    if max(r["losses"]) > LOSS_RANGE[1] or min(r["losses"]) < LOSS_RANGE[0]:
        from matplotlib.ticker import NullFormatter, ScalarFormatter
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        ax.set_yticks([t for t in (1, 1.5, 2, 2.5, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100) if low <= t <= high])
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel("training loss (log scale)")
    else:
        ax.set_ylim(*LOSS_RANGE)
        ax.set_ylabel("training loss")
    ax.set_xlabel("step")
    ax.set_title(f"{title}: loss per step (first {r['initial_loss']:.2f}, last 10% {r['final_loss']:.3f})")
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def draw_update_to_data(ax, r: dict) -> None:
    ratios = torch.tensor(r["ratios"])
    steps = r.get("ratio_steps") or list(range(len(r["ratios"])))
    window = max(1, len(steps) // 40)
    for i, name in enumerate(r["weight_names"]):
        _, y = smooth(ratios[:, i].tolist(), window)
        _, x = smooth([float(step) for step in steps], window)     # each window's mean step
        ax.plot(x, y, linewidth=1.2, color=layer_colour(name), label=name.replace(".weight", ""))
    ax.axhline(-3, color="black", linestyle="--", linewidth=1, label="-3 (a step of 1/1000)")
    ax.set_xlabel("step")
    ax.set_ylabel("log10(update std / data std)")
    ax.legend(fontsize=9, ncol=2, loc="lower right")


def plot_update_to_data(path: Path, title: str, r: dict) -> None:
    save(update_to_data_figure(title, r), path)


@styled
def update_to_data_figure(title: str, r: dict):
    fig, ax = _pyplot().subplots(figsize=(9, 4.5), dpi=DPI)
    draw_update_to_data(ax, r)
    ax.set_title(f"{title}: update-to-data ratio of each weight matrix")
    fig.tight_layout()
    return fig


def histograms(diag, tensors: dict, stats: dict | None, path: Path, title: str) -> None:
    """The learner's plot_histograms, the layers in the network's order, their figures in the legend."""
    tensors = in_network_order(tensors)
    if stats is not None:
        named = {f"{n}: std {stats[n]['std']:.2f}, saturated {100 * stats[n]['saturated']:.1f}%": t
                 for n, t in tensors.items()}
    else:
        named = {f"{n}: std {t.std().item():.1e}": t for n, t in tensors.items()}
    # `title` is an extra of the reference; a learner's plot_histograms(tensors, path) works too
    if "title" in inspect.signature(diag.plot_histograms).parameters:
        diag.plot_histograms(named, str(path), title=title)
    else:
        diag.plot_histograms(named, str(path))


# ---------------------------------------------------------------------- all of them
def draw_losses(ax, results: dict[str, dict]) -> None:
    for colour, r in zip(RUN_COLOURS, results.values()):
        x, y = smooth(r["losses"], max(1, len(r["losses"]) // 40))
        ax.plot(x, y, color=colour, linewidth=1.8)
    above = [(colour, r) for colour, r in zip(RUN_COLOURS, results.values()) if r["initial_loss"] > LOSS_RANGE[1]]
    for i, (colour, r) in enumerate(above):
        ax.text(0.03, 0.96 - 0.12 * i, f"{r['title']}: starts\nat {r['initial_loss']:.1f}, above the chart",
                color=colour, va="top", transform=ax.transAxes)
    first = next(iter(results.values()))
    ax.axhline(first["expected_initial_loss"], color="grey", linestyle="--", linewidth=1)
    ax.text(0.3, first["expected_initial_loss"] - 0.02, f"-ln(1/V) = {first['expected_initial_loss']:.2f}",
            color="grey", va="top", transform=ax.get_yaxis_transform())
    ax.set_ylim(*LOSS_RANGE)
    ax.set(xlabel="step", ylabel=f"training loss (mean of {max(1, first['steps'] // 40)} steps)",
           title="the loss as it trains")


def draw_ratios(ax, results: dict[str, dict]) -> None:
    """Per run, the hidden layers' update-to-data ratios: their mean, and the band from the lowest to the highest."""
    for colour, r in zip(RUN_COLOURS, results.values()):
        hidden = [i for i, n in enumerate(r["weight_names"]) if not n.startswith("out")]
        ratios = torch.tensor(r["ratios"])[:, hidden]
        window = max(1, len(r["ratios"]) // 40)
        _, x = smooth([float(s) for s in r["ratio_steps"]], window)
        curves = torch.tensor([smooth(ratios[:, i].tolist(), window)[1] for i in range(len(hidden))])
        ax.fill_between(x, curves.min(0).values.tolist(), curves.max(0).values.tolist(), color=colour, alpha=0.2,
                        linewidth=0)
        ax.plot(x, curves.mean(0).tolist(), color=colour, linewidth=1.8)
    ax.axhline(-3, color="black", linestyle="--", linewidth=1)
    ax.text(0.02, -3.05, "-3: a step of 1/1000", va="top", transform=ax.get_yaxis_transform())
    ax.set(xlabel="step", ylabel="log10(update std / data std)", title="update-to-data, hidden layers (band: all)")


def draw_saturation(ax, results: dict[str, dict]) -> None:
    names = list(next(iter(results.values()))["saturation_init"])
    for colour, r in zip(RUN_COLOURS, results.values()):
        ax.plot(range(len(names)), [100 * r["saturation_init"][n] for n in names], "o-", color=colour)
        ax.plot(range(len(names)), [100 * r["saturation_final"].get(n, math.nan) for n in names], "x--",
                color=colour, alpha=0.8)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(0, 105)
    ax.set(xlabel="tanh layer", ylabel=f"% saturated (|t| > {SATURATED})",
           title="tanh saturation: ● at init, × after training")
    note_alike(ax, results, "saturation_init", y=0.7)


def draw_gradient_spread(ax, results: dict[str, dict]) -> None:
    names = list(next(iter(results.values()))["saturation_init"])
    for colour, r in zip(RUN_COLOURS, results.values()):
        ax.plot(range(len(names)), [r["gradient_std_init"][n] for n in names], "o-", color=colour)
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names)
    ax.set(xlabel="tanh layer", ylabel="std of the gradient (log scale)",
           title="the gradient reaching each tanh layer, at init")
    note_alike(ax, results, "gradient_std_init")


def note_alike(ax, results: dict[str, dict], figure: str, y: float = 0.96) -> None:
    """Say which runs start alike (their curves lie on top of each other, within 2%): BatchNorm
    makes the activations the same whatever the gain, and the learning rate changes nothing at init."""
    groups: list[tuple[list[float], list[str]]] = []
    for r in results.values():
        values, number = list(r[figure].values()), r["title"].split(".")[0]
        for first, members in groups:
            if all(abs(a - b) <= 0.02 * max(abs(a), abs(b), 1e-12) for a, b in zip(first, values)):
                members.append(number)
                break
        else:
            groups.append((values, [number]))
    alike = [", ".join(m[:-1]) + " and " + m[-1] for _, m in groups if len(m) > 1]
    if alike:
        ax.text(0.98, y, "\n".join(f"runs {a}: the same at init" for a in alike), ha="right", va="top",
                transform=ax.transAxes, fontsize=10)


def plot_combined(path: Path, results: dict[str, dict]) -> None:
    """experiments.png (see `overview_figure`)."""
    save(overview_figure(results), path)


def plot_histogram_grid(path: Path, results: dict[str, dict]) -> None:
    """histograms.png (see `histogram_figure`)."""
    save(histogram_figure(results), path)


def save(fig, path: Path) -> None:
    fig.savefig(path)
    _pyplot().close(fig)


@styled
def overview_figure(results: dict[str, dict]):
    """The runs compared on shared axes, one colour per run, legible at 1,000 pixels."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 9.4), dpi=DPI)
    draw_losses(axes[0][0], results)
    draw_ratios(axes[0][1], results)
    draw_saturation(axes[1][0], results)
    draw_gradient_spread(axes[1][1], results)
    handles = [plt.Line2D([], [], color=c, linewidth=3) for c, _ in zip(RUN_COLOURS, results)]
    labels = [f"{r['title']} (lr {r['lr']:g}): dev loss {r['val_loss']:.3f}" for r in results.values()]
    fig.legend(handles, labels, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 0.96), frameon=False)
    first = next(iter(results.values()))
    fig.suptitle(f"Lecture 4: the same deep MLP {len(results)} ways ({first['steps']:,} steps each, "
                 f"batch {first['batch_size']})")
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return fig


def draw_density(ax, tensors: dict, lim: float, scale: float = 1.0) -> None:
    """One density curve per layer, over (-lim, lim), in the layer's colour."""
    for name, tensor in in_network_order(tensors).items():
        values = tensor.detach().flatten().to(torch.float32) / scale
        density, edges = torch.histogram(values.clamp(-lim, lim), bins=60, range=(-lim, lim), density=True)
        ax.plot(((edges[:-1] + edges[1:]) / 2).tolist(), density.tolist(), color=layer_colour(name),
                linewidth=1.4, label=name)
    ax.set_xlim(-lim, lim)


@styled
def histogram_figure(results: dict[str, dict]):
    """A row per run; left the tanh outputs at init (one x-axis, -1 to 1, for all),
    right the gradients reaching them (each row its own x-axis: the scales differ by orders of
    magnitude). One colour per layer, named alike in both columns."""
    plt = _pyplot()
    fig, axes = plt.subplots(len(results), 2, figsize=(11, 2.9 * len(results) + 1.0), dpi=DPI, squeeze=False)
    for row, r in zip(axes, results.values()):
        draw_density(row[0], r["init_acts"], 1.0)
        row[0].set(title=f"{r['title']}: {mean_saturation(r):.0f}% saturated", xlabel="tanh output at init",
                   ylabel="density", ylim=(0, None))
        spread = max(t.std().item() for t in r["init_grads"].values()) or 1e-12
        exponent = math.floor(math.log10(4 * spread))
        draw_density(row[1], r["init_grads"], 4 * spread / 10 ** exponent, scale=10 ** exponent)
        stds = list(r["gradient_std_init"].values())
        row[1].set(title=f"its gradients: std {min(stds):.1e} … {max(stds):.1e}",
                   xlabel=f"gradient at the tanh output (× 1e{exponent})", ylabel="density", ylim=(0, None))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 0.975), frameon=False,
               title="one colour per layer, in both columns")
    fig.suptitle("At initialisation: the tanh layers (left) and the gradients reaching them (right)")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.85 / (2.9 * len(results) + 1.0)))
    return fig
