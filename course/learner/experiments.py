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
ratios over training and a text table; then experiments.png (the runs compared on shared axes),
histograms.png (a row of histograms per run), and summary.txt / summary.json with the figures.

The pieces live beside this module: toolkit.py imports and tries the target's modules and makes
the data, deepnet.py lets the target's network sit in an nn.Sequential, experiment_pictures.py
draws.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from course.data import load_words
from course.learner import experiment_pictures as pictures
from course.learner.deepnet import calibrate_all, configured, count_parameters, evaluate
from course.learner.toolkit import SEED, load_toolkit, make_data
from course.manifest import Course, CourseError, load
from course.grading.target import NotReady
from course.grading.target import resolve as resolve_target

BATCH_SIZE = 32
LR = 0.5           # one learning rate for all three; see README (the lecture's 0.1 is too timid for 4k steps)
STEPS = 4000
DIAGNOSTIC_BATCH = 1000   # examples of the look at initialisation (histograms, tables, first loss)
EVAL_SAMPLE = 40_000  # training examples for calibrating BatchNorm and for the train loss
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


def look_at_init(tk: SimpleNamespace, model, Xtr: torch.Tensor, Ytr: torch.Tensor, rate: float,
                 g: torch.Generator) -> dict:
    """The lecture's diagnosis at initialisation: the forward activations and the backward gradients
    of every tanh layer before any step is taken, on a batch large enough for smooth histograms.
    It changes nothing: the training loop clears the gradients before each step."""
    diag = tk.diagnostics
    weights = [(n, p) for n, p in model.named_parameters() if n.endswith("weight")]   # the linear layers
    ix = torch.randint(0, Xtr.shape[0], (DIAGNOSTIC_BATCH,), generator=g)
    with diag.record_activations(model) as acts, diag.record_gradients(model) as grads:
        initial_loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
        initial_loss.backward()
    init_acts, init_grads = dict(acts), dict(grads)
    # the weight matrices, as in the lecture (biases start at 0: a ratio to their data is infinite)
    table = diag.log_diagnostics(init_acts, [(n, p) for n, p in model.named_parameters() if p.ndim == 2], lr=rate)
    return {"initial_loss": initial_loss.item(), "init_acts": init_acts, "init_grads": init_grads, "table": table,
            "init_weight_grads": {n: p.grad.detach().clone() for n, p in weights if p.grad is not None}}


def train(tk: SimpleNamespace, model, network: tuple, Xtr: torch.Tensor, Ytr: torch.Tensor, steps: int,
          rate: float, g: torch.Generator) -> dict:
    """The target's own loop, training.train_with_diagnostics, diagnosing every EVERY steps; the
    losses, and the update-to-data ratio of each weight matrix at each diagnosed step."""
    params = tk.training.parameters(network) if hasattr(tk.training, "parameters") else \
        [network[0]] + [p for layer in network[1] for p in layer.parameters()]
    weights = [(n, p) for n, p in model.named_parameters() if n.endswith("weight")]   # the linear layers
    position = [next(i for i, q in enumerate(params) if q is p) for _, p in weights]
    model.train()
    start = time.perf_counter()
    losses, log = tk.training.train_with_diagnostics(network, Xtr, Ytr, steps, lr=rate, batch_size=BATCH_SIZE,
                                                     every=EVERY, generator=g)
    return {"seconds": time.perf_counter() - start, "losses": [float(v) for v in losses],
            "ratio_steps": [int(entry["step"]) for entry in log],
            "ratios": [[float(entry["update_to_data"][i]) for i in position] for entry in log],
            "weight_names": [n for n, _ in weights]}


def look_after_training(tk: SimpleNamespace, exp: Experiment, model, data: dict, seed: int) -> dict:
    """BatchNorm's running statistics from a large sample of the training set (the lecture uses all
    of it; 40k examples give the same figures to 3 decimals, 4x faster), then the losses and the
    tanh layers on the validation set, in eval mode."""
    Xtr, Ytr = data["train"]
    sample = torch.randperm(Xtr.shape[0], generator=torch.Generator().manual_seed(seed))[:EVAL_SAMPLE]
    if exp.batchnorm:
        calibrate_all(tk, model, Xtr[sample])
    model.eval()
    with torch.no_grad(), tk.diagnostics.record_activations(model) as final_acts:
        val_loss = F.cross_entropy(model(data["val"][0]), data["val"][1]).item()
    train_loss = evaluate(model, Xtr[sample], Ytr[sample])
    model.train()
    return {"val_loss": val_loss, "train_loss": train_loss, "final_acts": dict(final_acts)}


def summarise(tk: SimpleNamespace, exp: Experiment, model, V: int, steps: int, rate: float, init: dict,
              trained: dict, after: dict) -> dict:
    """One experiment's figures, as summary.json keeps them (plus what the pictures need)."""
    diag = tk.diagnostics
    losses, ratios, names = trained["losses"], trained["ratios"], trained["weight_names"]
    layer_stats = {name: diag.activation_stats(t) for name, t in init["init_acts"].items()}
    final_stats = {name: diag.activation_stats(t) for name, t in after["final_acts"].items()}
    tail = max(1, steps // 10)
    late = max(1, sum(step >= steps - tail for step in trained["ratio_steps"]))    # log entries of the last tenth
    return {
        "title": exp.title, "name": exp.name, "batchnorm": exp.batchnorm,
        "parameters": count_parameters(model), "steps": steps, "lr": rate, "batch_size": BATCH_SIZE,
        "expected_initial_loss": tk.kaiming.expected_initial_loss(V),
        "initial_loss": init["initial_loss"],
        "mean_loss": sum(losses) / len(losses),
        "final_loss": sum(losses[-tail:]) / tail,          # mean over the last tenth of the steps
        "loss_std_late": torch.tensor(losses[steps // 2:]).std().item(),   # how steady: the second half
        "train_loss": after["train_loss"], "val_loss": after["val_loss"],
        "saturation_init": {n: s["saturated"] for n, s in layer_stats.items()},
        "saturation_final": {n: s["saturated"] for n, s in final_stats.items()},
        "activation_std_init": {n: s["std"] for n, s in layer_stats.items()},
        "gradient_std_init": {n: g_.std().item() for n, g_ in init["init_grads"].items()},
        "update_to_data_final": dict(zip(names, [sum(r[i] for r in ratios[-late:]) / late
                                                 for i in range(len(names))])),
        "weight_grad_std_init": {n: g_.std().item() for n, g_ in init["init_weight_grads"].items()},
        "seconds": trained["seconds"], "losses": losses, "ratios": ratios,
        "ratio_steps": trained["ratio_steps"], "weight_names": names,
        "layer_stats": layer_stats, "final_stats": final_stats,
    }


def run_experiment(tk: SimpleNamespace, exp: Experiment, data: dict, steps: int, lr: float,
                   seed: int, out_dir: Path) -> dict:
    """One experiment on the target's modules: set up, looked at, trained, measured and drawn
    into out_dir/<key>/."""
    g = torch.Generator().manual_seed(seed)
    V = data["vocab_size"]
    model, network, rate = configured(tk, exp.name, V, lr, g)
    Xtr, Ytr = data["train"]
    progress = Progress(exp.title, steps)
    init = look_at_init(tk, model, Xtr, Ytr, rate, g)
    trained = train(tk, model, network, Xtr, Ytr, steps, rate, g)
    progress.update(steps, trained["losses"][-1])
    after = look_after_training(tk, exp, model, data, seed)
    result = summarise(tk, exp, model, V, steps, rate, init, trained, after)
    mean_sat = 100 * sum(result["saturation_init"].values()) / len(result["saturation_init"])
    progress.close(f"loss {result['initial_loss']:.2f} -> {result['final_loss']:.3f}, val {result['val_loss']:.3f}, "
                   f"saturated at init {mean_sat:.0f}%")
    result.update({k: init[k] for k in ("init_acts", "init_grads", "init_weight_grads")})
    draw(tk, exp, result, init["table"], out_dir / exp.key)
    return result


def draw(tk: SimpleNamespace, exp: Experiment, r: dict, init_table: str, folder: Path) -> None:
    """One experiment's files: its table, loss curve, update-to-data ratios and histograms."""
    folder.mkdir(parents=True, exist_ok=True)
    write_table(folder / "table.txt", exp, r, init_table, r["final_stats"])
    pictures.plot_loss(folder / "loss.png", exp.title, r)
    pictures.plot_update_to_data(folder / "update_to_data.png", exp.title, r)
    pictures.histograms(tk.diagnostics, r["init_acts"], r["layer_stats"], folder / "activations.png",
                        f"{exp.title}: activations at init (forward)")
    pictures.histograms(tk.diagnostics, r["init_grads"], None, folder / "gradients.png",
                        f"{exp.title}: gradients at init (backward)")


# ---------------------------------------------------------------------- text
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
    data = make_data(tk, load_words(course), seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    for exp in EXPERIMENTS:
        results[exp.key] = run_experiment(tk, exp, data, steps, lr, seed, out_dir)
    pictures.plot_combined(out_dir / "experiments.png", results)
    pictures.plot_histogram_grid(out_dir / "histograms.png", results)
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
    print(f"\nwritten to {shown}/: experiments.png (the runs compared), histograms.png (a row per run), "
          f"summary.txt, and per experiment "
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
