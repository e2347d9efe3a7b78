"""`course challenge`: lecture 3's "beat 2.17", trained by the learner's tuning.beat_217 and saved
for the grader.

The grader of `tuning.beat_217` does not train the learner's model (that would cost every
grading, and every class grading once per student, seconds of CPU): it reads the parameters
saved beside the learner's modules, `<target>/beat_217.pt`, and computes their dev loss (the
test loss in the hidden tier) itself. This command makes that file: it calls the target's
`tuning.beat_217` on the training split of the bundled names (the learner's own
`mlp.split_words`, seed 42, and `bigram.build_vocab`), with a generator seeded 2017, prints the
dev loss by the learner's `mlp.evaluate`, and saves the five tensors. Notebook 03's challenge
cell does the same through `save_model`.

A saved model that does better on the dev split than the new one is kept (`--force` replaces
it): a learner who tries recipes never loses their best by trying one more.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch

from course.files import atomic_save
from course.manifest import load
from course.grading.target import NotReady, import_modules, unfinished
from course.grading.target import resolve as resolve_target

MODEL_FILE = "beat_217.pt"
PARAMS = ("C", "W1", "b1", "W2", "b2")
SEED = 2017
TARGET = 2.17
MODULES = ("bigram", "mlp", "tuning")


def save_model(params: dict, folder: Path | str = ".") -> Path:
    """Save the five tensors of `params` (tuning.beat_217's answer) as `folder`/beat_217.pt, the
    file the grader reads: plain float32 tensors, detached, written whole or not at all."""
    missing = [k for k in PARAMS if k not in params]
    if missing:
        raise ValueError(f"the model needs the tensors {', '.join(PARAMS)}; it has no {', '.join(missing)}")
    path = Path(folder) / MODEL_FILE
    tensors = {k: torch.as_tensor(params[k]).detach().float().contiguous().clone() for k in PARAMS}
    with atomic_save(path) as tmp:
        torch.save(tensors, tmp)
    return path


def dev_loss(m: SimpleNamespace, params: dict, dev_words: list[str], stoi: dict) -> float:
    """The dev loss of `params` by the learner's own mlp.build_dataset and mlp.evaluate."""
    block_size = params["W1"].shape[0] // params["C"].shape[1]
    X, Y = m.mlp.build_dataset(dev_words, stoi, block_size)
    return float(m.mlp.evaluate(params, X, Y))


def saved_loss(m: SimpleNamespace, path: Path, dev_words: list[str], stoi: dict) -> float | None:
    """The dev loss of the model saved at `path` already, or None (none, or one that cannot be read)."""
    if not path.is_file():
        return None
    try:
        kept = torch.load(path, map_location="cpu", weights_only=True)
        return dev_loss(m, {k: kept[k] for k in PARAMS}, dev_words, stoi)
    except Exception:  # noqa: BLE001 - an older or damaged file: the new model replaces it
        return None


def probes(m: SimpleNamespace) -> list:
    """One tiny call of each exercise the challenge needs before beat_217 itself."""
    stoi = {".": 0, "a": 1, "b": 2}
    params = {"C": torch.randn(3, 2), "W1": torch.randn(6, 4), "b1": torch.zeros(4),
              "W2": torch.randn(4, 3), "b2": torch.zeros(3)}
    return [("bigram.build_vocab", lambda: m.bigram.build_vocab(["ab", "ba"])),
            ("mlp.split_words", lambda: m.mlp.split_words(["ab", "ba", "aa", "bb", "a"])),
            ("mlp.build_dataset", lambda: m.mlp.build_dataset(["ab"], stoi, 3)),
            ("mlp.evaluate", lambda: m.mlp.evaluate(params, *m.mlp.build_dataset(["ab"], stoi, 3)))]


def cmd_challenge(args) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    course = load()
    target = resolve_target(course, args.target)
    from course.data import load_words
    words = load_words(course)
    try:
        m = import_modules(target, MODULES)
        not_started, broken = unfinished(probes(m), course)
        if not_started or broken:
            raise NotReady("the challenge needs these exercises first: "
                           + ", ".join(not_started + broken) + " (`pytest autograder -k mlp` says more)")
        stoi, _ = m.bigram.build_vocab(words)
        train_words, dev_words, _ = m.mlp.split_words(words, seed=42)
        print(f"Training with tuning.beat_217 of {target} (generator seeded {SEED}) on "
              f"{len(train_words):,} names ...", flush=True)
        start = time.process_time()
        params = m.tuning.beat_217(list(train_words), dict(stoi), generator=torch.Generator().manual_seed(SEED))
        seconds = time.process_time() - start
        if not isinstance(params, dict) or any(k not in params for k in PARAMS):
            raise NotReady(f"tuning.beat_217 should return the dict {', '.join(PARAMS)}; "
                           f"it returned {type(params).__name__}")
    except NotReady as e:
        print(f"course challenge: {e}", file=sys.stderr)
        return 1
    except NotImplementedError:
        print("course challenge: tuning.beat_217 is not written yet (`course hint beat_217` helps start it)",
              file=sys.stderr)
        return 1
    path = target / MODEL_FILE
    try:
        loss = dev_loss(m, params, dev_words, stoi)
        print(f"trained in {seconds:.1f} s of CPU: dev loss {loss:.4f} "
              f"({'below' if loss < TARGET else 'not yet below'} {TARGET})")
    except Exception as exc:  # noqa: BLE001 - shapes mlp.forward does not take, say: the grader says more
        loss = float("inf")
        print(f"trained in {seconds:.1f} s of CPU; your mlp.evaluate could not compute the dev loss of the model "
              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
    before = saved_loss(m, path, dev_words, stoi)
    if before is not None and before <= loss and not args.force:
        print(f"kept the model saved before in {path.name} (dev loss {before:.4f}, no worse than this one's); "
              "`course challenge --force` replaces it")
        return 0
    save_model(params, target)
    replaced = f" (it replaces one at dev loss {before:.4f})" if before is not None else ""
    print(f"saved {path}{replaced}: `pytest autograder -k beat_217` grades it")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("challenge")
    p.add_argument("--target", default="exercises",
                   help="whose tuning.beat_217: exercises (default), solutions, or a folder")
    p.add_argument("--force", action="store_true", help="save the new model even if the saved one does better")
    p.set_defaults(run=cmd_challenge)

