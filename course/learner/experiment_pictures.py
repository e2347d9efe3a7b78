"""The pictures of `course experiments`: per experiment its loss curve and update-to-data ratios
(the activation and gradient histograms are drawn by the learner's own `plot_histograms`), and
experiments.png, all of them side by side. One colour per layer in every picture: tanh3,
linear3 and bn3 are layer 3."""
from __future__ import annotations

import inspect
from pathlib import Path

import torch

from course.learner.deepnet import N_LAYERS


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")              # files only, no display
    import matplotlib.pyplot as plt
    return plt


def smooth(values: list[float], window: int) -> tuple[list[int], list[float]]:
    """Means over consecutive windows, placed at each window's middle step."""
    t = torch.tensor(values)
    window = max(1, min(window, len(values)))
    n = len(values) // window
    means = t[: n * window].view(n, window).mean(1)
    return [i * window + window // 2 for i in range(n)], means.tolist()


def draw_loss(ax, r: dict, colour: str = "C0", label: str = "", raw: bool = True) -> None:
    steps = range(len(r["losses"]))
    if raw:
        ax.plot(steps, r["losses"], color=colour, alpha=0.2, linewidth=0.5)
    x, y = smooth(r["losses"], max(1, len(r["losses"]) // 40))
    ax.plot(x, y, color=colour, linewidth=1.8, label=label or "loss (mean of each window)")


LOSS_RANGE = (2.0, 4.5)   # linear: the differences that matter are between 2.2 and 3.3


def style_loss_axis(ax, r: dict, title: str) -> None:
    ax.axhline(r["expected_initial_loss"], color="grey", linestyle="--", linewidth=1,
               label=f"-ln(1/V) = {r['expected_initial_loss']:.2f}")
    ax.set_ylim(*LOSS_RANGE)
    if r["initial_loss"] > LOSS_RANGE[1]:
        ax.annotate(f"starts at {r['initial_loss']:.1f}, off the chart", xy=(0.03, 0.94),
                    xycoords="axes fraction", fontsize=8, color="C3", va="top")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper right")


def plot_loss(path: Path, title: str, r: dict) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    draw_loss(ax, r)
    style_loss_axis(ax, r, f"{title}: loss per step (first {r['initial_loss']:.2f}, "
                           f"last 10% {r['final_loss']:.3f})")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def layer_colour(name: str) -> str:
    """One colour per layer, the same in every picture: tanh3, linear3 and bn3 are layer 3; out is last."""
    digits = "".join(ch for ch in name.split(".")[0] if ch.isdigit())
    return f"C{int(digits) - 1}" if digits else f"C{N_LAYERS}"


def draw_update_to_data(ax, r: dict) -> None:
    ratios = torch.tensor(r["ratios"])
    steps = r.get("ratio_steps") or list(range(len(r["ratios"])))
    window = max(1, len(steps) // 40)
    for i, name in enumerate(r["weight_names"]):
        _, y = smooth(ratios[:, i].tolist(), window)
        _, x = smooth([float(step) for step in steps], window)     # each window's mean step
        ax.plot(x, y, linewidth=1, color=layer_colour(name), label=name.replace(".weight", ""))
    ax.axhline(-3, color="black", linestyle="--", linewidth=1, label="-3 (a step of 1/1000)")
    ax.set_xlabel("step")
    ax.set_ylabel("log10(update std / data std)")
    ax.legend(fontsize=7, ncol=2, loc="lower right")


def draw_histograms(ax, tensors: dict, xlabel: str, xlim: tuple[float, float] | None = None) -> None:
    """One density curve per layer, coloured as in every other picture."""
    for name, tensor in tensors.items():
        values = tensor.detach().flatten().to(torch.float32)
        lo, hi = xlim if xlim else (values.min().item(), values.max().item())
        if hi <= lo:
            hi = lo + 1e-6
        density, edges = torch.histogram(values.clamp(lo, hi), bins=60, range=(lo, hi), density=True)
        ax.plot(((edges[:-1] + edges[1:]) / 2).tolist(), density.tolist(), color=layer_colour(name), linewidth=1.2,
                label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    if xlim:
        ax.set_xlim(*xlim)
    ax.legend(fontsize=7, ncol=2)


def plot_update_to_data(path: Path, title: str, r: dict) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    draw_update_to_data(ax, r)
    ax.set_title(f"{title}: update-to-data ratio of each weight matrix", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def histograms(diag, tensors: dict, stats: dict | None, path: Path, title: str) -> None:
    """The learner's plot_histograms, with the layers' figures in the legend."""
    if stats is not None:
        named = {f"{n}: std {s['std']:.2f}, saturated {100 * s['saturated']:.1f}%": tensors[n]
                 for n, s in stats.items()}
    else:
        named = {f"{n}: std {t.std().item():.1e}": t for n, t in tensors.items()}
    # `title` is an extra of the reference; a learner's plot_histograms(tensors, path) works too
    if "title" in inspect.signature(diag.plot_histograms).parameters:
        diag.plot_histograms(named, str(path), title=title)
    else:
        diag.plot_histograms(named, str(path))


def plot_combined(path: Path, results: dict[str, dict], dpi: int = 60) -> None:
    """The experiments side by side, one column each: loss; tanh activations at init; the gradients
    reaching them; update-to-data ratios over training. The layers of a panel share its x-axis (the
    activations' is -1 to 1 in every column), and each layer has one colour in every row."""
    plt = _pyplot()
    keys = list(results)
    fig, axes = plt.subplots(4, len(keys), figsize=(4.6 * len(keys), 14), dpi=dpi, squeeze=False)
    for col, key in enumerate(keys):
        r = results[key]
        sat = 100 * sum(r["saturation_init"].values()) / len(r["saturation_init"])
        ax = axes[0][col]
        if r["batchnorm"] and key != "3-batchnorm" and "3-batchnorm" in results:
            draw_loss(ax, results["3-batchnorm"], colour="C1", label="experiment 3 (lr 0.5, gain 5/3)", raw=False)
        elif r["batchnorm"] and "2-kaiming" in results:
            draw_loss(ax, results["2-kaiming"], colour="C1", label="without BatchNorm (experiment 2)", raw=False)
        draw_loss(ax, r, label="this run (mean of each window)")
        style_loss_axis(ax, r, f"{r['title']} (lr {r['lr']:g})\nloss: first {r['initial_loss']:.2f}, "
                               f"last 10% {r['final_loss']:.3f}")
        draw_histograms(axes[1][col], r["init_acts"], "tanh output at init", (-1.0, 1.0))
        axes[1][col].set_title(f"tanh activations at init: {sat:.0f}% saturated (|t| > 0.97)", fontsize=10)
        # the gradients' scales differ by orders of magnitude between runs: each column its own x-axis,
        # shared by its layers (the activations share theirs, -1 to 1, across all columns)
        grad_lim = 4 * max(t.std().item() for t in r["init_grads"].values()) or 1e-6
        draw_histograms(axes[2][col], r["init_grads"], "gradient reaching the tanh output, at init",
                        (-grad_lim, grad_lim))
        stds = list(r["gradient_std_init"].values())
        axes[2][col].set_title(f"their gradients: std {min(stds):.1e} … {max(stds):.1e}", fontsize=10)
        ax = axes[3][col]
        draw_update_to_data(ax, r)
        ax.set_ylim(-7, 0)
        ax.set_title("update-to-data ratio per weight matrix", fontsize=10)
    first = results[keys[0]]
    fig.suptitle(f"Lecture 4: the same deep MLP {len(keys)} ways ({first['steps']} steps, batch {first['batch_size']}; "
                 "one colour per layer in every row)", fontsize=13)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
