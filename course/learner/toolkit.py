"""The learner's lecture-4 toolkit: the modules `course experiments` (and notebook 04) build on,
imported from a target folder and each of its exercises tried on a tiny input first, so that a
stub not started yet is named before anything trains; then the lecture's data, made by the
target's own lecture-2 and lecture-3 functions."""
from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn as nn

from course.manifest import Course
from course.grading.target import NotReady, import_modules, unfinished

from course.learner.deepnet import BLOCK_SIZE

MODULES = ("bigram", "mlp", "kaiming", "batchnorm", "diagnostics", "layers", "training")
SEED = 42


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



def make_data(tk: SimpleNamespace, words: list[str], seed: int = SEED) -> dict:
    """The lecture's data, made by the target's own lecture-2 and lecture-3 functions: its
    vocabulary (`bigram.build_vocab`), its 80/10/10 split of the words (`mlp.split_words`) and
    its 3-character contexts (`mlp.build_dataset`)."""
    stoi, itos = tk.bigram.build_vocab(words)
    train, dev, _ = tk.mlp.split_words(words, seed=seed)
    return {"vocab_size": len(stoi), "stoi": stoi, "itos": itos,
            "train": tk.mlp.build_dataset(train, stoi, BLOCK_SIZE),
            "val": tk.mlp.build_dataset(dev, stoi, BLOCK_SIZE)}
