"""`course experiments`: lecture 4's experiments on the deep MLP, as numbers and pictures.

The network is the lecture's deep MLP: an embedding of 3 characters, 5 x [Linear -> (BatchNorm1d)
-> Tanh], and an output layer (47,024 parameters with BatchNorm). Nothing of it is written here,
and no training loop either: the target folder's own modules make the data (`bigram.build_vocab`,
`mlp.split_words`, `mlp.build_dataset`), set up each run (`training.configure`, on top of
`layers.deep_mlp` with its `Linear`, `Tanh` and `batchnorm.BatchNorm1d`), train it
(`training.train_with_diagnostics`, whose log of `training.diagnose` entries gives the
update-to-data ratios over training) and measure it (`diagnostics`: `record_activations` and
`record_gradients` collect what the histograms show at initialisation, `plot_histograms` draws
them). The runs, by their names in `training.configure`:

1. normal: every weight drawn from a unit normal. The tanh layers saturate, and the first loss is
   far above -ln(1/V): the network starts out confidently wrong.
2. kaiming: std gain / sqrt(fan_in), the output layer scaled down by 0.1. The first loss is close
   to -ln(1/V) and the activations keep a healthy spread.
3. batchnorm: Kaiming init plus a BatchNorm1d after every linear layer (the last one's gamma
   scaled by 0.1).
4. bad_gain: experiment 3 with the gain 0.2: BatchNorm keeps the activations as they were, but the
   weights are small, so every step moves them by more: the update-to-data ratios rise.
5. low_lr: experiment 3 at a hundredth of the learning rate: the ratios sit two decades lower,
   the plot's sign of a rate too low.

Everything is written under runs/experiments/<target>/ (git-ignored), one folder per target so
that the reference's runs never stand in for yours: per experiment a loss curve, the activation
histograms (forward) and gradient histograms (backward) at initialisation, the update-to-data
ratios over training and a text table; then experiments.png, all side by side, and summary.txt /
summary.json with the figures.
"""
from __future__ import annotations

import inspect
import json
import sys
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F

from course.manifest import Course, CourseError, load
from course.target import NotReady, import_modules, unfinished
from course.target import resolve as resolve_target

BLOCK_SIZE, N_EMBD, N_HIDDEN, N_LAYERS = 3, 10, 100, 5
BATCH_SIZE = 32
LR = 0.5           # one learning rate for all three; see README (the lecture's 0.1 is too timid for 4k steps)
STEPS = 4000
SEED = 42
DIAGNOSTIC_BATCH = 1000   # examples of the look at initialisation (histograms, tables, first loss)
EVAL_SAMPLE = 40_000  # training examples for calibrating BatchNorm and for the train loss
MODULES = ("bigram", "mlp", "kaiming", "batchnorm", "diagnostics", "layers", "training")
EVERY = 10          # the training loop diagnoses every EVERY-th step


@dataclass(frozen=True)
class Experiment:
    key: str            # folder name under runs/experiments/<target>/
    title: str
    name: str           # its name in the target's training.configure
    batchnorm: bool


EXPERIMENTS = (
    Experiment("1-normal", "1. N(0,1) init", "normal", False),
    Experiment("2-kaiming", "2. Kaiming init", "kaiming", False),
    Experiment("3-batchnorm", "3. Kaiming + BatchNorm", "batchnorm", True),
    Experiment("4-bad-gain", "4. BatchNorm, gain 0.2", "bad_gain", True),
    Experiment("5-low-lr", "5. BatchNorm, lr / 100", "low_lr", True),
)


# ---------------------------------------------------------------------- the learner's modules
def probes(m: dict) -> list[tuple[str, callable]]:
    """One tiny call of every exercise the experiments use, to find those not started yet."""
    tanh = nn.Sequential(nn.Tanh())

    def records():
        with m["diagnostics"].record_activations(tanh) as acts:
            tanh(torch.zeros(2, 2))
        return acts

    def gradients():
        with m["diagnostics"].record_gradients(tanh) as grads:
            tanh(torch.zeros(2, 2, requires_grad=True)).sum().backward()
        return grads

    def plots():
        with tempfile.TemporaryDirectory() as tmp:
            m["diagnostics"].plot_histograms({"probe": torch.zeros(4)}, str(Path(tmp) / "probe.png"))

    def tiny():
        return (torch.randn(5, 2, requires_grad=True), [nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 5)])

    p = torch.ones(3, requires_grad=True)
    p.grad = torch.ones(3)
    return [
        ("bigram.build_vocab", lambda: m["bigram"].build_vocab(["ab"])),
        ("mlp.split_words", lambda: m["mlp"].split_words(["ab", "ba"])),
        ("mlp.build_dataset", lambda: m["mlp"].build_dataset(["ab"], {".": 0, "a": 1, "b": 2})),
        ("mlp.embed", lambda: m["mlp"].embed(torch.zeros(3, 2), torch.zeros(1, 2, dtype=torch.int64))),
        ("layers.Linear", lambda: m["layers"].Linear(3, 2)(torch.ones(1, 3))),
        ("layers.Tanh", lambda: m["layers"].Tanh()(torch.ones(1, 3))),
        ("layers.deep_mlp", lambda: m["layers"].deep_mlp(5, n_hidden=4, n_layers=1, batchnorm=False)),
        ("kaiming.expected_initial_loss", lambda: m["kaiming"].expected_initial_loss(27)),
        ("batchnorm.BatchNorm1d", lambda: m["batchnorm"].BatchNorm1d(3)(torch.randn(4, 3))),
        # torch's layer here, so that calibrate is probed on its own
        ("batchnorm.calibrate", lambda: m["batchnorm"].calibrate(nn.BatchNorm1d(3), torch.randn(5, 3))),
        ("diagnostics.activation_stats", lambda: m["diagnostics"].activation_stats(torch.zeros(3))),
        ("diagnostics.gradient_stats", lambda: m["diagnostics"].gradient_stats([("p", p)])),
        ("diagnostics.update_to_data", lambda: m["diagnostics"].update_to_data([p], 0.1)),
        ("diagnostics.record_activations", records),
        ("diagnostics.record_gradients", gradients),
        ("diagnostics.plot_histograms", plots),
        ("training.configure", lambda: m["training"].configure("kaiming", 5, n_hidden=4, n_layers=1)),
        ("training.diagnose", lambda: m["training"].diagnose(tiny(), torch.zeros(2, 3, dtype=torch.int64),
                                                              torch.zeros(2, dtype=torch.int64), 0, 0.1)),
        ("training.train_with_diagnostics", lambda: m["training"].train_with_diagnostics(
            tiny(), torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, dtype=torch.int64), 1, lr=0.1,
            batch_size=2, every=1)),
    ]


def load_toolkit(target: Path, course: Course) -> SimpleNamespace:
    """Import the modules the experiments build on from `target` (its lecture-2 and lecture-3
    data functions, kaiming, batchnorm and diagnostics), and check each exercise is started."""
    if not target.is_dir():
        raise NotReady(f"--target {target}: no such folder (try exercises or solutions)")
    modules = vars(import_modules(target, MODULES))
    names, broken = unfinished(probes(modules), course)
    if names:
        raise NotReady(
            "the experiments are built on your modules, and these are not started yet:\n"
            + "".join(f"  {n}\n" for n in names)
            + f"Finish them first (`pytest autograder -k {names[0].split('.')[0]}` checks them), "
            "or run the reference: `course experiments --target solutions`.")
    if broken:
        raise NotReady("some of your exercises fail on a tiny input:\n"
                       + "".join(f"  {b}\n" for b in broken)
                       + f"`pytest autograder -k {broken[0].split('.')[0]}` tells you more.")
    return SimpleNamespace(**modules)


# ---------------------------------------------------------------------- data
def make_data(tk: SimpleNamespace, words: list[str], seed: int = SEED) -> dict:
    """The lecture's data, made by the target's own lecture-2 and lecture-3 functions: its
    vocabulary (`bigram.build_vocab`), its 80/10/10 split of the words (`mlp.split_words`) and
    its 3-character contexts (`mlp.build_dataset`)."""
    stoi, itos = tk.bigram.build_vocab(words)
    train, dev, _ = tk.mlp.split_words(words, seed=seed)
    return {"vocab_size": len(stoi), "stoi": stoi, "itos": itos,
            "train": tk.mlp.build_dataset(train, stoi, BLOCK_SIZE),
            "val": tk.mlp.build_dataset(dev, stoi, BLOCK_SIZE)}


# ---------------------------------------------------------------------- the deep MLP
# The network is the target's own: layers.deep_mlp builds it from the target's Linear, Tanh and
# batchnorm.BatchNorm1d, and mlp.embed looks the contexts up. The classes below only let those
# plain objects (a __call__ and parameters(), as in the lecture) sit in an nn.Sequential, so
# that torch's hooks (the learner's record_activations, the gradients' record) and
# model.train() / model.eval() reach them. They compute nothing themselves.
class Embedded(nn.Module):
    """The embedding table C, looked up by the target's mlp.embed."""

    def __init__(self, tk: SimpleNamespace, C: torch.Tensor):
        super().__init__()
        self.embed = tk.mlp.embed
        self.C = nn.Parameter(C.detach().clone())

    def forward(self, X):
        return self.embed(self.C, X)


def _adopt(module: nn.Module, layer) -> None:
    """Make the tensors of `layer.parameters()` parameters of `module`, under the attribute names
    the layer keeps them in; the layer then computes with (and trains) these very tensors."""
    params = list(layer.parameters())
    for attr, value in list(vars(layer).items()):
        if isinstance(value, torch.Tensor) and any(value is p for p in params):
            adopted = nn.Parameter(value.detach().clone())
            setattr(layer, attr, adopted)
            module.register_parameter(attr, adopted)


class Layer(nn.Module):
    """One of the target's layers (Linear, BatchNorm1d) as an nn.Module."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        _adopt(self, layer)

    def forward(self, x):
        return self.layer(x)

    def train(self, mode: bool = True):
        super().train(mode)
        if hasattr(self.layer, "train") and hasattr(self.layer, "eval"):      # BatchNorm1d's two modes
            self.layer.train() if mode else self.layer.eval()
        return self


class TanhLayer(nn.Tanh):
    """The target's Tanh as an nn.Tanh, so that record_activations finds it by its type."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)


def kind(layer) -> str:
    """'linear', 'batchnorm' or 'tanh', from what the layer holds (the target's classes may be
    plain classes or nn.Modules)."""
    if hasattr(layer, "running_mean"):
        return "batchnorm"
    if hasattr(layer, "weight"):
        return "linear"
    return "tanh"


def wrap(tk: SimpleNamespace, C: torch.Tensor, layers: list, tanh: bool = True) -> nn.Sequential:
    """The target's network (C, layers) as an nn.Sequential named for the tables: embed, linear1,
    (bn1), tanh1, ..., out, (bn_out); `tanh=False` leaves the tanh layers out (a linear network).
    The layers compute with (and train) the Sequential's own parameters: the network the target's
    training loop gets is (model.embed.C, layers), the very same tensors."""
    n_linear = sum(kind(layer) == "linear" for layer in layers)
    named: list[tuple[str, nn.Module]] = [("embed", Embedded(tk, C))]
    depth = 0
    for layer in layers:
        what = kind(layer)
        if what == "linear":
            depth += 1
            name = f"linear{depth}" if depth < n_linear else "out"
        elif what == "batchnorm":
            name = f"bn{depth}" if depth < n_linear else "bn_out"
        else:
            name = f"tanh{depth}"
            if not tanh:
                continue
        named.append((name, layer if isinstance(layer, nn.Module) and what != "tanh"
                      else TanhLayer(layer) if what == "tanh" else Layer(layer)))
    return nn.Sequential(OrderedDict(named))


def network_of(model: nn.Sequential) -> tuple[torch.Tensor, list]:
    """The (C, layers) a Sequential of `wrap` holds, as the target's training loop takes it: the
    target's own layer objects, computing with the Sequential's parameters."""
    layers = [module.layer if isinstance(module, (Layer, TanhLayer)) else module
              for name, module in model.named_children() if name != "embed"]
    return model.embed.C, layers


def configured(tk: SimpleNamespace, name: str, vocab_size: int, lr: float, generator: torch.Generator,
               **sizes) -> tuple[nn.Sequential, tuple, float]:
    """One run as the target's training.configure sets it up: (the Sequential, the (C, layers) its
    training loop trains, the learning rate)."""
    sizes = {"block_size": BLOCK_SIZE, "n_embd": N_EMBD, "n_hidden": N_HIDDEN, "n_layers": N_LAYERS, **sizes}
    (C, layers), rate = tk.training.configure(name, vocab_size, lr=lr, generator=generator, **sizes)
    model = wrap(tk, C, list(layers))
    return model, network_of(model), float(rate)


def deep_mlp(tk: SimpleNamespace, vocab_size: int, init: str, batchnorm: bool,
             generator: torch.Generator, gain: float = 5 / 3, tanh: bool = True) -> nn.Sequential:
    """The target's layers.deep_mlp as a Sequential (see `wrap`); init "normal" is the target's
    training.configure("normal") instead (without BatchNorm)."""
    if init == "normal":
        (C, layers), _ = tk.training.configure("normal", vocab_size, block_size=BLOCK_SIZE, n_embd=N_EMBD,
                                               n_hidden=N_HIDDEN, n_layers=N_LAYERS, generator=generator)
    else:
        C, layers = tk.layers.deep_mlp(vocab_size, block_size=BLOCK_SIZE, n_embd=N_EMBD, n_hidden=N_HIDDEN,
                                       n_layers=N_LAYERS, batchnorm=batchnorm, gain=gain, generator=generator)
    return wrap(tk, C, list(layers), tanh=tanh)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def calibrate_all(tk: SimpleNamespace, model: nn.Sequential, X: torch.Tensor) -> None:
    """Set every BatchNorm's running statistics from the whole training set, layer by layer
    (the learner's `calibrate`), each layer seeing what the calibrated layers before it give."""
    model.eval()
    h = X
    for module in model:
        if kind(module.layer if isinstance(module, Layer) else module) == "batchnorm":
            tk.batchnorm.calibrate(module.layer if isinstance(module, Layer) else module, h)
        h = module(h)


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, Y: torch.Tensor) -> float:
    model.eval()
    loss = F.cross_entropy(model(X), Y).item()
    model.train()
    return loss


# ---------------------------------------------------------------------- one experiment
class Progress:
    """A tqdm bar on stderr while an experiment trains (on a terminal only), then one line with its result."""

    def __init__(self, label: str, total: int, stream=sys.stderr):
        from tqdm import tqdm
        self.label, self.stream = label, stream
        self.start = time.perf_counter()
        self.bar = tqdm(total=total, file=stream, desc=f"{label:<26}", ascii=".#", leave=False, mininterval=0.2,
                        disable=not stream.isatty(), bar_format="{desc} [{bar:30}] {n:>5}/{total} loss {postfix}")

    def update(self, step: int, loss: float) -> None:
        if not self.bar.disable:
            self.bar.set_postfix_str(f"{loss:6.3f}", refresh=False)
            self.bar.update(step - self.bar.n)

    def close(self, text: str) -> None:
        self.bar.close()
        seconds = time.perf_counter() - self.start
        self.stream.write(f"{self.label:<26} {text}  ({seconds:.1f} s)\n")
        self.stream.flush()


def run_experiment(tk: SimpleNamespace, exp: Experiment, data: dict, steps: int, lr: float,
                   seed: int, out_dir: Path) -> dict:
    diag = tk.diagnostics
    g = torch.Generator().manual_seed(seed)
    V = data["vocab_size"]
    model, network, rate = configured(tk, exp.name, V, lr, g)
    params = tk.training.parameters(network) if hasattr(tk.training, "parameters") else \
        [network[0]] + [p for layer in network[1] for p in layer.parameters()]
    weights = [(n, p) for n, p in model.named_parameters() if n.endswith("weight")]   # the linear layers
    position = [next(i for i, q in enumerate(params) if q is p) for _, p in weights]
    Xtr, Ytr = data["train"]
    progress = Progress(exp.title, steps)
    # The lecture's diagnosis happens at initialisation: the forward activations and the backward
    # gradients of every tanh layer before any step is taken, on a batch large enough for smooth
    # histograms. It changes nothing: the training loop clears the gradients before each step.
    ix = torch.randint(0, Xtr.shape[0], (DIAGNOSTIC_BATCH,), generator=g)
    with diag.record_activations(model) as acts, diag.record_gradients(model) as grads:
        initial_loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
        initial_loss.backward()
    init_acts, init_grads = dict(acts), dict(grads)
    # the weight matrices, as in the lecture (biases start at 0: a ratio to their data is infinite)
    table = diag.log_diagnostics(init_acts, [(n, p) for n, p in model.named_parameters() if p.ndim == 2], lr=rate)
    init_weight_grads = {n: p.grad.detach().clone() for n, p in weights if p.grad is not None}
    model.train()
    # The training is the target's own loop: training.train_with_diagnostics, diagnosing every EVERY steps.
    start = time.perf_counter()
    losses, log = tk.training.train_with_diagnostics(network, Xtr, Ytr, steps, lr=rate, batch_size=BATCH_SIZE,
                                                     every=EVERY, generator=g)
    seconds = time.perf_counter() - start
    losses = [float(v) for v in losses]
    progress.update(steps, losses[-1])
    ratio_steps = [int(entry["step"]) for entry in log]
    ratios = [[float(entry["update_to_data"][i]) for i in position] for entry in log]

    # After training: BatchNorm's running statistics from a large sample of the training set
    # (the lecture uses all of it; 40k examples give the same figures to 3 decimals, 4x faster),
    # then the losses in eval mode.
    sample = torch.randperm(Xtr.shape[0], generator=torch.Generator().manual_seed(seed))[:EVAL_SAMPLE]
    if exp.batchnorm:
        calibrate_all(tk, model, Xtr[sample])
    model.eval()
    with torch.no_grad(), diag.record_activations(model) as final_acts:
        val_loss = F.cross_entropy(model(data["val"][0]), data["val"][1]).item()
    train_loss = evaluate(model, Xtr[sample], Ytr[sample])
    model.train()

    layer_stats = {name: diag.activation_stats(t) for name, t in init_acts.items()}
    final_stats = {name: diag.activation_stats(t) for name, t in final_acts.items()}
    tail = max(1, steps // 10)
    late = max(1, sum(step >= steps - tail for step in ratio_steps))    # log entries of the last tenth
    result = {
        "title": exp.title,
        "name": exp.name,
        "batchnorm": exp.batchnorm,
        "parameters": count_parameters(model),
        "steps": steps,
        "lr": rate,
        "expected_initial_loss": tk.kaiming.expected_initial_loss(V),
        "initial_loss": initial_loss.item(),
        "mean_loss": sum(losses) / len(losses),
        "final_loss": sum(losses[-tail:]) / tail,          # mean over the last tenth of the steps
        "loss_std_late": torch.tensor(losses[steps // 2:]).std().item(),   # how steady: the second half
        "train_loss": train_loss,
        "val_loss": val_loss,
        "saturation_init": {n: s["saturated"] for n, s in layer_stats.items()},
        "saturation_final": {n: s["saturated"] for n, s in final_stats.items()},
        "activation_std_init": {n: s["std"] for n, s in layer_stats.items()},
        "gradient_std_init": {n: g_.std().item() for n, g_ in init_grads.items()},
        "update_to_data_final": dict(zip([n for n, _ in weights],
                                         [sum(r[i] for r in ratios[-late:]) / late for i in range(len(weights))])),
        "weight_grad_std_init": {n: g_.std().item() for n, g_ in init_weight_grads.items()},
        "seconds": seconds,
        "losses": losses,
        "ratios": ratios,
        "ratio_steps": ratio_steps,
        "weight_names": [n for n, _ in weights],
    }
    mean_sat = 100 * sum(result["saturation_init"].values()) / len(result["saturation_init"])
    progress.close(f"loss {result['initial_loss']:.2f} -> {result['final_loss']:.3f}, val {val_loss:.3f}, "
                   f"saturated at init {mean_sat:.0f}%")

    folder = out_dir / exp.key
    folder.mkdir(parents=True, exist_ok=True)
    write_table(folder / "table.txt", exp, result, table, final_stats)
    plot_loss(folder / "loss.png", exp, result)
    plot_update_to_data(folder / "update_to_data.png", exp, result)
    histograms(diag, init_acts, layer_stats, folder / "activations.png",
               f"{exp.title}: activations at init (forward)")
    histograms(diag, init_grads, None, folder / "gradients.png",
               f"{exp.title}: gradients at init (backward)")
    result["init_acts"], result["init_grads"], result["init_weight_grads"] = init_acts, init_grads, init_weight_grads
    return result


# ---------------------------------------------------------------------- text and pictures
def write_table(path: Path, exp: Experiment, r: dict, init_table: str, final_stats: dict) -> None:
    lines = [
        f"{exp.title}: {r['parameters']:,} parameters, {r['steps']} steps of SGD, lr {r['lr']}, batch {BATCH_SIZE}",
        "",
        f"loss at step 0     {r['initial_loss']:.4f}   (a uniform guess: -ln(1/V) = {r['expected_initial_loss']:.4f})",
        f"loss, last 10%     {r['final_loss']:.4f}",
        f"train / val        {r['train_loss']:.4f} / {r['val_loss']:.4f}   (eval mode; train on "
        f"{EVAL_SAMPLE:,} examples" + (", which also calibrate BatchNorm)" if exp.batchnorm else ")"),
        "",
        "At initialisation (step 0): activations per tanh layer, then gradients per parameter",
        init_table,
        "",
        "After training (eval mode, validation set): activations per tanh layer",
        f"{'layer':<16}{'mean':>9}{'std':>9}{'saturated':>11}",
    ]
    for name, s in final_stats.items():
        lines.append(f"{name:<16}{s['mean']:>+9.3f}{s['std']:>9.3f}{100 * s['saturated']:>10.1f}%")
    path.write_text("\n".join(lines) + "\n")


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


def plot_loss(path: Path, exp: Experiment, r: dict) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    draw_loss(ax, r)
    style_loss_axis(ax, r, f"{exp.title}: loss per step (first {r['initial_loss']:.2f}, "
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


def plot_update_to_data(path: Path, exp: Experiment, r: dict) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    draw_update_to_data(ax, r)
    ax.set_title(f"{exp.title}: update-to-data ratio of each weight matrix", fontsize=10)
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
    fig.suptitle(f"Lecture 4: the same deep MLP {len(keys)} ways ({first['steps']} steps, batch {BATCH_SIZE}; "
                 "one colour per layer in every row)", fontsize=13)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def summary_text(results: dict[str, dict]) -> str:
    head = (f"{'experiment':<26}{'params':>8}{'loss@0':>9}{'-ln(1/V)':>10}{'saturated@0':>13}"
            f"{'loss last 10%':>15}{'train':>8}{'val':>8}{'seconds':>9}")
    rows = [head]
    for r in results.values():
        sat = 100 * sum(r["saturation_init"].values()) / len(r["saturation_init"])
        rows.append(f"{r['title']:<26}{r['parameters']:>8,}{r['initial_loss']:>9.3f}{r['expected_initial_loss']:>10.3f}"
                    f"{sat:>12.1f}%{r['final_loss']:>15.3f}{r['train_loss']:>8.3f}{r['val_loss']:>8.3f}"
                    f"{r['seconds']:>9.1f}")
    return "\n".join(rows)


# ---------------------------------------------------------------------- the command
def run(target: Path, out_dir: Path, steps: int = STEPS, lr: float = LR, seed: int = SEED,
        course: Course | None = None) -> dict[str, dict]:
    """Run the three experiments on `target`'s modules; write every file under `out_dir`."""
    course = course or load()
    torch.set_num_threads(1)         # small matrices: one thread is several times faster
    tk = load_toolkit(target, course)
    if not hasattr(tk.diagnostics, "log_diagnostics"):
        raise NotReady("diagnostics.py has no log_diagnostics (it comes with the stub): "
                       "copy it back from exercises/diagnostics.py.new or the course's repository")
    from course.data import load_words
    data = make_data(tk, load_words(course), seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for exp in EXPERIMENTS:
        results[exp.key] = run_experiment(tk, exp, data, steps, lr, seed, out_dir)
    plot_combined(out_dir / "experiments.png", results)
    text = summary_text(results)
    (out_dir / "summary.txt").write_text(text + "\n")
    keep = ("title", "parameters", "steps", "lr", "expected_initial_loss", "initial_loss", "mean_loss",
            "final_loss", "loss_std_late", "train_loss", "val_loss", "saturation_init", "saturation_final",
            "activation_std_init", "gradient_std_init", "update_to_data_final", "seconds")
    (out_dir / "summary.json").write_text(json.dumps(
        {k: {f: r[f] for f in keep} for k, r in results.items()}, indent=1) + "\n")
    return results


def runs_folder(course: Course, target: Path) -> Path:
    """Where a target's experiments go: runs/experiments/<target>/, one folder per target, so that
    the reference's runs (`--target solutions`) never stand in for the learner's."""
    return course.root / "runs" / "experiments" / target.name


def cmd_experiments(args) -> int:
    course = load()
    target = resolve_target(course, args.target)
    out_dir = Path(args.out) if args.out else runs_folder(course, target)
    if args.steps < 10:
        raise CourseError("--steps should be at least 10")
    start = time.perf_counter()
    try:
        results = run(target, out_dir, steps=args.steps, lr=args.lr, seed=args.seed, course=course)
    except NotReady as e:
        print(f"course experiments: {e}", file=sys.stderr)
        return 1
    print()
    print(summary_text(results))
    try:
        shown = out_dir.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = out_dir
    print(f"\nwritten to {shown}/: experiments.png (all side by side), summary.txt, and per experiment "
          f"loss.png, activations.png, gradients.png, update_to_data.png, table.txt "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("experiments")
    p.add_argument("--target", default="exercises",
                   help="whose kaiming/batchnorm/diagnostics modules: exercises (default), solutions, or a folder")
    p.add_argument("--steps", type=int, default=STEPS, help=f"training steps per experiment (default {STEPS})")
    p.add_argument("--lr", type=float, default=LR, help=f"learning rate, the same for all three (default {LR})")
    p.add_argument("--seed", type=int, default=SEED,
                   help=f"seed of the init, the batches and the split (default {SEED})")
    p.add_argument("--out", default=None, help="output folder (default runs/experiments/<target> in the course)")
    p.set_defaults(run=cmd_experiments)
