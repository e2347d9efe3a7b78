"""`course train mlp` and `course sample`: lecture 3's MLP, trained and sampled end to end.

Both run on the modules of a target folder: the learner's own `exercises/` by default, or the
reference with `--target solutions` (the course's demo). Training uses the target's vocabulary
(bigram.build_vocab, from lecture 2) and mlp.py (split_words, build_dataset, init_params,
forward, cross_entropy, train, evaluate); sampling uses its mlp.forward and
sampling.generate. So the names printed are the learner's own.

The model is the lecture's (block 3, embedding 10, hidden 200, tanh, N(0, 1) init); the demo
recipe trains it several times faster than the lecture's recipe by taking larger minibatches
with a larger learning rate that decays along a cosine (bench/training.py measures both).
A run is written to runs/mlp/<target>/ (git-ignored): model.pt and loss.png.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, TextIO

import torch

from course.files import atomic_save
from course.manifest import Course, CourseError, load
from course.progress import Progress
from course.grading.target import NotReady, import_modules, unfinished
from course.grading.target import resolve as resolve_target

MODULES = ("bigram", "mlp", "sampling")
TEMPERATURES = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Recipe:
    """How to train: the lecture's architecture, and a schedule."""
    name: str
    steps: int
    batch_size: int
    lr_start: float
    lr_end: float
    schedule: str = "cosine"     # "cosine": lr_start -> lr_end along half a cosine; "step": lr_end from half way
    block_size: int = 3
    n_embd: int = 10
    n_hidden: int = 200
    seed: int = 2147483647       # the lecture's seed, for the parameters; the minibatches use seed + 1

    def lr(self, step: int) -> float:
        if self.schedule == "step":
            return self.lr_start if step < self.steps // 2 else self.lr_end
        progress = step / max(self.steps - 1, 1)
        return self.lr_end + 0.5 * (self.lr_start - self.lr_end) * (1 + math.cos(math.pi * progress))

    def describe(self) -> str:
        how = (f"lr {self.lr_start:g} then {self.lr_end:g} from step {self.steps // 2:,}" if self.schedule == "step"
               else f"lr {self.lr_start:g} -> {self.lr_end:g} (cosine)")
        return f"{self.steps:,} steps of batch {self.batch_size}, {how}"


# The lecture's recipe: 200k steps of 32 examples, lr 0.1 then 0.01 (about 100 s here).
LECTURE = Recipe("lecture", steps=200_000, batch_size=32, lr_start=0.1, lr_end=0.01, schedule="step")
# The course's demo: 8x larger batches, a 15x larger learning rate that decays smoothly, 20x
# fewer steps. The large early rate also pulls the N(0, 1)-initialised tanh units out of
# saturation quickly (lecture 4 fixes that at the root, with a better init).
DEMO = Recipe("demo", steps=10_000, batch_size=256, lr_start=1.5, lr_end=0.02, schedule="cosine")


# ---------------------------------------------------------------------- the target's modules
def load_modules(target: Path) -> SimpleNamespace:
    """Import bigram, mlp and sampling from `target` (and nowhere else)."""
    return import_modules(target, MODULES)


def probes(m: SimpleNamespace, job: str) -> list[tuple[str, Callable]]:
    """One tiny call of every exercise `job` ("train" or "sample") uses."""
    stoi = {".": 0, "a": 1, "b": 2}
    X, Y = torch.tensor([[0, 0, 0], [0, 0, 1]]), torch.tensor([1, 0])
    params = {"C": torch.randn(3, 2), "W1": torch.randn(6, 4), "b1": torch.zeros(4),
              "W2": torch.randn(4, 3), "b2": torch.zeros(3)}
    params = {k: v.requires_grad_() for k, v in params.items()}
    forward = ("mlp.forward", lambda: m.mlp.forward(params, X))
    if job == "sample":
        return [forward,
                ("sampling.sample_next", lambda: m.sampling.sample_next(torch.zeros(2, 3))),
                ("sampling.generate", lambda: m.sampling.generate(
                    lambda ctx: torch.zeros(ctx.shape[0], 3), {0: ".", 1: "a", 2: "b"}, 1, 3, max_len=3))]
    return [
        ("bigram.build_vocab", lambda: m.bigram.build_vocab(["ab", "ba"])),
        ("mlp.split_words", lambda: m.mlp.split_words(["ab", "ba", "aa", "bb", "a"])),
        ("mlp.build_dataset", lambda: m.mlp.build_dataset(["ab"], stoi, 3)),
        ("mlp.embed", lambda: m.mlp.embed(params["C"], X)),
        ("mlp.init_params", lambda: m.mlp.init_params(3, 3, 2, 4)),
        forward,
        ("mlp.cross_entropy", lambda: m.mlp.cross_entropy(torch.zeros(2, 3), Y)),
        ("mlp.train", lambda: m.mlp.train(params, X, Y, 2, batch_size=2, lr=lambda step: 0.1)),
        ("mlp.evaluate", lambda: m.mlp.evaluate(params, X, Y)),
    ]


def check_ready(m: SimpleNamespace, job: str, course: Course, target_flag: str) -> None:
    """Raise NotReady, naming the exercises, when the target cannot do `job` yet."""
    names, broken = unfinished(probes(m, job), course)
    what = "training the MLP" if job == "train" else "sampling names"
    if names:
        raise NotReady(f"{what} needs exercises you have not started yet: {', '.join(names)}.\n"
                       f"Finish them first (`pytest autograder -k {names[0].split('.')[1]}`), or see the "
                       f"reference at work: `course {'train mlp' if job == 'train' else 'sample'} --target solutions`.")
    if broken:
        raise NotReady(f"{what} stopped: some of your exercises fail on a tiny input:\n"
                       + "".join(f"  {b}\n" for b in broken)
                       + f"`pytest autograder -k {broken[0].split('.')[0]}` says more.")


# ---------------------------------------------------------------------- training
def progress_bar(total: int, stream: TextIO | None = None, width: int = 24) -> Progress:
    """The training's progress bar: step, loss, steps/s, time left. Redrawn in place on a
    terminal; elsewhere (a log file, a pipe) one line every tenth of the way. On stdout."""
    digits = len(f"{total:,}")
    return Progress(total, f"step {{n:>{digits},}}/{{total:,}} [{{bar:{width}}}] loss {{loss:.4f}}  "
                           "{per_s} steps/s  ETA {left}", stream if stream is not None else sys.stdout,
                    every=total // 10)


def train_model(m: SimpleNamespace, words: list[str], recipe: Recipe = DEMO,
                progress: Progress | None = None, chunk: int = 250) -> dict:
    """Split `words`, build the data sets, and train the target's MLP with `recipe`.

    The target's `train` is called in chunks of `chunk` steps (with the schedule shifted to
    the chunk's first step, and one generator for the whole run), so that a progress bar can
    be drawn between them. Returns the parameters, the losses and the train/dev losses."""
    stoi, itos = m.bigram.build_vocab(words)                    # lecture 2's vocabulary
    train_words, dev_words, _ = m.mlp.split_words(words)       # the test split stays unseen
    Xtr, Ytr = m.mlp.build_dataset(train_words, stoi, recipe.block_size)
    Xdev, Ydev = m.mlp.build_dataset(dev_words, stoi, recipe.block_size)
    params = m.mlp.init_params(len(stoi), recipe.block_size, recipe.n_embd, recipe.n_hidden,
                               generator=torch.Generator().manual_seed(recipe.seed))
    batches = torch.Generator().manual_seed(recipe.seed + 1)
    losses: list[float] = []
    if progress:
        progress.restart()
    start = time.perf_counter()
    while len(losses) < recipe.steps:
        done = len(losses)
        n = min(chunk, recipe.steps - done)
        got = m.mlp.train(params, Xtr, Ytr, n, batch_size=recipe.batch_size,
                          lr=lambda step, done=done: recipe.lr(done + step), generator=batches)
        losses += [float(x) for x in got][:n]
        if len(got) < n:
            raise NotReady(f"mlp.train(..., steps={n}) returned {len(got)} losses instead of {n}")
        if progress:
            progress.update(len(losses), loss=sum(losses[-n:]) / n)
    seconds = time.perf_counter() - start
    return {
        "params": {k: v.detach().clone() for k, v in params.items()},
        "stoi": stoi, "itos": itos, "recipe": asdict(recipe), "losses": losses, "seconds": seconds,
        "train_loss": m.mlp.evaluate(params, Xtr, Ytr), "dev_loss": m.mlp.evaluate(params, Xdev, Ydev),
        "rows": {"train": len(Ytr), "dev": len(Ydev)},
    }


def plot_losses(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = torch.tensor(result["losses"])
    window = max(1, len(losses) // 100)
    smooth = losses[: len(losses) // window * window].view(-1, window).mean(1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(losses.numpy(), color="0.8", linewidth=0.5, label="minibatch loss")
    ax.plot((torch.arange(len(smooth)) * window + window / 2).numpy(), smooth.numpy(), color="C0",
            label=f"mean of {window} steps")
    for key, colour in (("train_loss", "C2"), ("dev_loss", "C3")):
        ax.axhline(result[key], color=colour, linestyle="--", linewidth=1,
                   label=f"{key.split('_')[0]} loss at the end: {result[key]:.4f}")
    ax.set_yscale("log")
    top = min(float(losses.max()), 3 * float(smooth[-1]) if len(smooth) else 10.0)
    ax.set_ylim(bottom=min(float(smooth.min()), result["train_loss"]) * 0.95, top=max(top, 3.0))
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (log scale)")
    ax.set_title(f"MLP, {Recipe(**result['recipe']).describe()}")
    ax.legend(loc="upper right")
    fig.tight_layout()
    with atomic_save(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def failure(exc: BaseException, target: Path) -> str:
    """One line about an exception: what, and where in the target's files."""
    place, tb = "", exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(str(target)):
            place = f" ({Path(filename).name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}{': ' + text if text else ''}{place}"


def run_folder(course: Course, target: Path, out: str | None) -> Path:
    return Path(out) if out else course.root / "runs" / "mlp" / target.name


def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cmd_train(args) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)              # this model is several times faster on one thread
    course = load()
    target = resolve_target(course, args.target)
    from course.data import load_words
    words = load_words(course)
    recipe = replace(DEMO, steps=args.steps) if args.steps else DEMO
    if recipe.steps < 1:
        raise CourseError("--steps should be at least 1")
    try:
        m = load_modules(target)
        check_ready(m, "train", course, args.target)
        print(f"Training the MLP of {shown(target)}/mlp.py on {shown(course.data_path)} ({len(words):,} names): "
              f"{recipe.describe()}")
        result = train_model(m, words, recipe, progress_bar(recipe.steps))
    except NotReady as e:
        print(f"course train: {e}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the learner's code failed at full size
        print(f"\ncourse train: training stopped: {failure(exc, target)}\n"
              "`pytest autograder -k \"mlp or sampling\"` checks each exercise on its own.", file=sys.stderr)
        return 1
    out = run_folder(course, target, args.out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_save(out / "model.pt") as tmp:          # a run cut short leaves no half a model
        torch.save({**result, "block_size": recipe.block_size, "target": str(target)}, tmp)
    plot_losses(result, out / "loss.png")
    print(f"trained in {result['seconds']:.1f} s ({recipe.steps / result['seconds']:,.0f} steps/s); "
          f"loss on {result['rows']['train']:,} train rows {result['train_loss']:.4f}, "
          f"on {result['rows']['dev']:,} dev rows {result['dev_loss']:.4f}")
    print(f"saved {shown(out / 'model.pt')} and {shown(out / 'loss.png')}; "
          f"next: `course sample{'' if args.target == 'exercises' else ' --target ' + args.target}`")
    return 0


# ---------------------------------------------------------------------- sampling
def sample_table(columns: list[tuple[str, list[str]]], known: set[str], width: int = 16) -> list[str]:
    """Names side by side, one column per setting, and a few figures under each column;
    '*' marks the names that are in the data set."""
    margin = 13

    def cell(name: str) -> str:
        text = name if len(name) <= width - 3 else name[: width - 4] + "…"
        return (text + ("*" if name in known else "")).ljust(width)

    def row(label: str, cells: list[str]) -> str:
        return (label.ljust(margin) + "".join(c.ljust(width) for c in cells)).rstrip()

    rule = row("", ["-" * (width - 2)] * len(columns))
    lines = [row("", [title for title, _ in columns]), rule]
    for i in range(max(len(names) for _, names in columns)):
        lines.append(row("", [cell(names[i]) if i < len(names) else "" for _, names in columns]))
    lines.append(rule)
    lines.append(row("in data set", [f"{sum(n in known for n in ns)}/{len(ns)}" for _, ns in columns]))
    lines.append(row("mean length", [f"{sum(map(len, ns)) / max(len(ns), 1):.1f}" for _, ns in columns]))
    lines.append(row("distinct", [f"{len(set(ns))}/{len(ns)}" for _, ns in columns]))
    return lines


def cmd_sample(args) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    course = load()
    target = resolve_target(course, args.target)
    path = run_folder(course, target, args.out) / "model.pt"
    if not path.is_file():
        again = "" if args.target == "exercises" else f" --target {args.target}"
        print(f"course sample: no trained model at {shown(path)}; train one first: `course train mlp{again}`",
              file=sys.stderr)
        return 1
    saved = torch.load(path, weights_only=True)
    params, itos, block_size = saved["params"], saved["itos"], saved["block_size"]
    V = len(itos)
    if args.top_k is not None and not 1 <= args.top_k <= V:
        raise CourseError(f"--top-k should be between 1 and {V} (the vocabulary size)")
    try:
        m = load_modules(target)
        check_ready(m, "sample", course, args.target)

        def next_logits(ctx: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return m.mlp.forward(params, ctx)

        settings = ([(f"T = {t:.1f}", t, None) for t in TEMPERATURES]
                    + [(f"T = 1.0, top-{args.top_k}", 1.0, args.top_k)])
        columns = []
        for i, (title, temperature, top_k) in enumerate(settings):
            g = torch.Generator().manual_seed(args.seed + i)
            columns.append((title, m.sampling.generate(next_logits, itos, args.n, block_size,
                                                       temperature=temperature, top_k=top_k, generator=g)))
    except NotReady as e:
        print(f"course sample: {e}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the learner's code failed on the trained model
        print(f"course sample: sampling stopped: {failure(exc, target)}\n"
              "`pytest autograder -k \"mlp or sampling\"` checks each exercise on its own.", file=sys.stderr)
        return 1
    from course.data import load_words
    known = set(load_words(course))
    print(f"{args.n} names per setting from {shown(path)} (dev loss {saved['dev_loss']:.4f}), "
          f"sampled with {shown(target)}/sampling.py, seed {args.seed}. * = a name of the data set.")
    print("Low temperature: safe, common names; high: more surprise, more nonsense; top-k: no rare characters.\n")
    for line in sample_table(columns, known):
        print(line)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("train")
    p.add_argument("model", choices=["mlp"], help="what to train: mlp")
    p.add_argument("--target", default="exercises",
                   help="whose mlp.py: exercises (default), solutions (the demo, in the instructor's copy), "
                        "or a folder")
    p.add_argument("--steps", type=int, default=None, help=f"training steps (default {DEMO.steps:,})")
    p.add_argument("--out", default=None, help="output folder (default runs/mlp/<target> in the course)")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("sample")
    p.add_argument("--target", default="exercises",
                   help="whose model and sampling.py: exercises (default), solutions, or a folder")
    p.add_argument("-n", type=int, default=20, help="names per setting (default 20)")
    p.add_argument("--top-k", type=int, default=5, help="k of the top-k column (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.add_argument("--out", default=None, help="the training run's folder (default runs/mlp/<target>)")
    p.set_defaults(run=cmd_sample)
