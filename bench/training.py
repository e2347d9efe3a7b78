"""How much faster the course's demo trains than the lecture, and how much faster bigrams are counted.

    python bench/training.py            # about two minutes: the lecture's recipe alone is ~100 s
    python bench/training.py --quick    # 1/20 of each recipe: checks the script, not the figures

In one process, on the bundled data and the same split, with solutions/ and one torch thread:

(a) the lecture's recipe: batch 32, lr 0.1 then 0.01 from half way, 200k steps;
(b) the course's demo recipe (course/learner/train.py: DEMO), the one `course train mlp` runs;

both the lecture's architecture (block 3, embedding 10, hidden 200, tanh, N(0, 1) init). It
prints each one's wall time and dev loss, and the ratio of the times (goal: the demo at least
5x faster, both at dev loss <= 2.17). Then it times counting the bigrams of the bundled names
with solutions/bigram.py against the lecture's Python double loop (goal: at least 20x faster).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course.data import load_words  # noqa: E402
from course.manifest import load  # noqa: E402
from course.learner.train import DEMO, LECTURE, load_modules, progress_bar, train_model  # noqa: E402

GOAL_LOSS, GOAL_TRAINING, GOAL_COUNTING = 2.17, 5.0, 20.0


def count_like_the_lecture(words: list[str], stoi: dict[str, int]) -> torch.Tensor:
    """Lecture 2's counting, as written there: one tensor element incremented per bigram."""
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    return N


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/20 of each recipe, to check the script")
    args = parser.parse_args()
    torch.set_num_threads(1)
    course = load(ROOT)
    words = load_words(course)
    m = load_modules(ROOT / "solutions")

    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, {os.cpu_count()} cores; "
          f"{len(words):,} names")
    results = {}
    for recipe in (LECTURE, DEMO):
        if args.quick:
            recipe = replace(recipe, steps=recipe.steps // 20)
        print(f"\n{recipe.name}: {recipe.describe()}", flush=True)
        start = time.perf_counter()
        result = train_model(m, words, recipe, progress_bar(recipe.steps, stream=sys.stdout),
                             chunk=max(1, recipe.steps // 40))
        result["wall"] = time.perf_counter() - start        # data set building and evaluation included
        results[recipe.name] = result
        print(f"{recipe.name}: {result['wall']:.1f} s wall ({result['seconds']:.1f} s in train, "
              f"{1e3 * result['seconds'] / recipe.steps:.3f} ms/step); "
              f"train {result['train_loss']:.4f}, dev {result['dev_loss']:.4f}", flush=True)

    lecture, demo = results["lecture"], results["demo"]
    ratio = lecture["wall"] / demo["wall"]
    print("\nrecipe     wall time   dev loss")
    for name, r in results.items():
        print(f"{name:<9} {r['wall']:>8.1f} s   {r['dev_loss']:.4f}"
              f"{'' if r['dev_loss'] <= GOAL_LOSS else f'  (above {GOAL_LOSS})'}")
    met = ratio >= GOAL_TRAINING and max(lecture["dev_loss"], demo["dev_loss"]) <= GOAL_LOSS
    print(f"demo speed-up: {ratio:.1f}x (goal >= {GOAL_TRAINING:g}x, both at dev loss <= {GOAL_LOSS}): "
          f"{'met' if met else 'NOT met'}")

    bigram = m.bigram
    stoi, _ = bigram.build_vocab(words)
    fast_counts = bigram.count_bigrams(words, stoi)
    assert torch.equal(count_like_the_lecture(words, stoi).long(), fast_counts), "the two countings disagree"
    slow = best_time(lambda: count_like_the_lecture(words, stoi), 1 if args.quick else 3)
    fast = best_time(lambda: bigram.count_bigrams(words, stoi), 10)
    speedup = slow / fast
    print(f"\ncounting {int(fast_counts.sum()):,} bigrams: lecture's double loop {slow:.3f} s, "
          f"solutions/bigram.py {1e3 * fast:.1f} ms: {speedup:.0f}x "
          f"(goal >= {GOAL_COUNTING:g}x: {'met' if speedup >= GOAL_COUNTING else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
