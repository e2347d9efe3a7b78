"""Graders for lecture 3's learning-rate finder and single-batch sanity check (exercises/tuning.py).

Expected trajectories come from plain SGD as torch.optim.SGD defines it (the learning rate
changed before each step) on the lecture-3 forward pass as its contract states it; the
finder is checked on a data set whose every row is the same example, so that any way of
drawing minibatches gives the same trajectory. pick_lr is checked on noisy curves whose
valley is known. Sizes and alphabets differ from the defaults.

The "beat 2.17" challenge is judged from the model the learner saved, beat_217.pt beside their
modules (`course challenge`, or notebook 03's challenge cell, trains their tuning.beat_217 and
saves it): the grader does not train it again, which would cost every grading seconds of CPU.
The file is read beside the learner's code (torch.load with weights_only), and only its tensors
come back; the judge makes the bundled split (random.Random(42) on a copy, cut at 80 % and 90 %),
the contexts and the lecture's forward pass itself, so that nothing the learner wrote decides
the figure.
"""
import math
import os
import random
from pathlib import Path

import torch
import torch.nn.functional as F

from course.grading.judge.api import (check, describe, exercise, expect, fail, is_number, is_sequence, not_started, number,
                                     runner_answer, runner_exec)


def params_for(V, block_size, d, hidden, seed):
    """Test parameters of the lecture-3 MLP, small enough that a step never overshoots."""
    g = torch.Generator().manual_seed(seed)
    shapes = (("C", (V, d)), ("W1", (block_size * d, hidden)), ("b1", (hidden,)), ("W2", (hidden, V)), ("b2", (V,)))
    return {name: (0.5 * torch.randn(shape, generator=g)).requires_grad_() for name, shape in shapes}


def logits_of(p, X):
    return torch.tanh(p["C"][X].flatten(1) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def sgd_reference(p, X, Y, rates):
    """Plain SGD (torch.optim.SGD's step without momentum) over the whole of X, Y, at rates[i] on
    step i: the losses and the end state. Written functionally with torch.autograd.grad:
    creating a torch.optim optimizer imports torch._dynamo, a second and a half of every self-check."""
    q = {k: v.detach().clone().requires_grad_() for k, v in p.items()}
    losses = []
    for rate in rates:
        loss = F.cross_entropy(logits_of(q, X), Y)
        grads = torch.autograd.grad(loss, list(q.values()))
        q = {k: (v - float(rate) * g).detach().requires_grad_() for (k, v), g in zip(q.items(), grads)}
        losses.append(loss.item())
    return losses, q


def same_losses(got, want) -> bool:
    return len(got) == len(want) and all(abs(a - b) < 1e-4 * max(1, abs(b)) for a, b in zip(got, want))


def trajectory_slip(got, want, what) -> str:
    """What the learner's losses say about their slip, when the first one already differs (the
    parameters are the same before the first update: only the loss itself can differ)."""
    if got and want and abs(got[0] - want[0]) > 1e-4 * max(1, abs(want[0])):
        more = " (more: is a regularisation term, such as L2, still added?)" if got[0] > want[0] else ""
        return (f"; yours starts at {got[0]:.4f}, but before any update the loss of {what} is the plain cross-entropy, "
                f"{want[0]:.4f}{more}")
    return ""


def floats(values, n, what, hint):
    check(is_sequence(values) and len(values) == n and all(is_number(v) for v in values),
          f"{what} should return a list of {n} losses, one number per step", f"got {describe(values)}", hint=hint)
    return [number(v) for v in values]


# ---------------------------------------------------------------- lr_finder
@exercise("tuning.lr_finder")
def test_lr_finder_one_step_per_rate_in_order(tuning):
    p = params_for(V=7, block_size=3, d=4, hidden=16, seed=1)
    X = torch.tensor([[2, 5, 1]]).repeat(40, 1)          # every row the same: any minibatch is the whole story
    Y = torch.full((40,), 3)
    rates = (10 ** torch.linspace(-2, 0, 12)).tolist()
    want, q = sgd_reference(p, X, Y, rates)
    as_exponents, _ = sgd_reference(p, X, Y, [10 ** r for r in rates])      # a common slip, named below
    got = floats(tuning.lr_finder(p, X, Y, rates, batch_size=8, generator=torch.Generator().manual_seed(2)),
                 len(rates), "lr_finder", "steps")
    if not same_losses(got, want) and same_losses(got, as_exponents):
        fail("lr_finder should take the learning rates of `lrs` as they are", "yours takes 10 ** lr of each: "
             "they are rates already, not exponents", hint="steps")
    check(same_losses(got, want),
          "lr_finder should take one SGD step per learning rate, in the order given, and record each step's loss "
          "before its update", f"yours: {[round(v, 4) for v in got[:4]]} …, expected {[round(v, 4) for v in want[:4]]} …"
          + trajectory_slip(got, want, "the minibatch"), hint="steps")
    for k in q:
        expect(p[k]).close_to(q[k], atol=1e-5, why=f"after the finder, params[{k!r}] should hold the trained values "
                              "(it trains in place)", hint="inplace")


@exercise("tuning.lr_finder")
def test_lr_finder_uses_the_generator(tuning):
    g = torch.Generator().manual_seed(3)
    X, Y = torch.randint(0, 9, (200, 2), generator=g), torch.randint(0, 9, (200,), generator=g)
    rates = [0.05] * 6
    runs = [tuning.lr_finder(params_for(9, 2, 3, 12, seed=4), X, Y, rates, batch_size=4,
                             generator=torch.Generator().manual_seed(s)) for s in (5, 5, 6)]
    a, b, c = ([number(v) for v in run] for run in runs)
    check(a == b, "the same generator seed should give the same losses", hint="generator")
    check(a != c, "another seed should draw other minibatches", hint="generator")
    # at rate 0 nothing moves: each step's loss is that of its own minibatch, and they differ
    still = [number(v) for v in tuning.lr_finder(params_for(9, 2, 3, 12, seed=4), X, Y, [0.0] * 6, batch_size=4,
                                                 generator=torch.Generator().manual_seed(7))]
    check(len(set(still)) > 1, "each step should draw a fresh minibatch: at learning rate 0 (nothing moves) the six "
          "steps' losses should differ, each that of its own minibatch", f"yours are all {still[0]:.4f}", hint="steps")


# ---------------------------------------------------------------- pick_lr
def valley(seed, bottom_exp, n=600):
    """A finder-like curve against lrs 10^-3 … 10^0: down, a valley at 10^bottom_exp, then up;
    noisy, with one deep spike down far from the valley (a lucky minibatch)."""
    g = torch.Generator().manual_seed(seed)
    exps = torch.linspace(-3, 0, n)
    losses = 2.3 + 1.5 * (exps - bottom_exp) ** 2 + 0.25 * torch.randn(n, generator=g)
    losses[n // 10] = 0.5
    return (10 ** exps).tolist(), losses.tolist()


@exercise("tuning.pick_lr")
def test_pick_lr_small_cases(tuning):
    got = tuning.pick_lr([0.001, 0.01, 0.1, 1.0], [3.0, 2.5, 2.2, 9.0], window=1)
    check(is_number(got), "pick_lr should return a number", f"got {describe(got)}", hint="return")
    expect(number(got)).close_to(0.1, why="with window=1 the lowest loss is at lr 0.1", hint="return")


def one_sided_picks(lrs, losses, window) -> dict[str, float]:
    """What a running mean over a window that starts at i, or ends at i, would pick."""
    n = len(losses)
    picks = {}
    for name, lo in (("starts", lambda i: i), ("ends", lambda i: max(0, i - window + 1))):
        means = [sum(losses[lo(i):lo(i) + window][:n]) / len(losses[lo(i):min(n, lo(i) + window)])
                 for i in range(n)]
        picks[name] = lrs[min(range(n), key=means.__getitem__)]
    return picks


def check_valley(tuning, lrs, losses, window, bottom):
    got = number(tuning.pick_lr(lrs, losses, window=window))
    if abs(math.log10(got) - bottom) < 0.2:
        return
    why = f"the valley of this curve is at lr 10^{bottom} = {10 ** bottom:.3g} (window={window})"
    side = next((name for name, lr in one_sided_picks(lrs, losses, window).items() if lr == got), None)
    if side:
        fail(why, f"yours picked {got:.3g}, where a window that {side} at each position puts it: centre the window "
             "on each position (losses[i - window // 2 : i - window // 2 + window])", hint="smooth")
    fail(why, f"yours picked {got:.3g}" + (": the single lowest loss, a lucky minibatch" if got < 0.003 else ""),
         hint="smooth")


@exercise("tuning.pick_lr")
def test_pick_lr_finds_the_valley_through_the_noise(tuning):
    for seed, bottom in ((7, -1.2), (8, -0.6)):
        lrs, losses = valley(seed, bottom)
        check_valley(tuning, lrs, losses, 40, bottom)


@exercise("tuning.pick_lr")
def test_pick_lr_centres_its_window(tuning):
    # a wide window: one that starts or ends at each position moves the valley by half its width
    for seed, bottom in ((10, -0.35), (14, -0.9)):
        lrs, losses = valley(seed, bottom)
        check_valley(tuning, lrs, losses, 120, bottom)


# ---------------------------------------------------------------- overfit_batch
@exercise("tuning.overfit_batch")
def test_overfit_batch_is_full_batch_gradient_descent(tuning):
    g = torch.Generator().manual_seed(9)
    X, Y = torch.randint(0, 11, (20, 4), generator=g), torch.randint(0, 11, (20,), generator=g)
    p = params_for(V=11, block_size=4, d=3, hidden=24, seed=10)
    want, q = sgd_reference(p, X, Y, [0.3] * 15)
    got = floats(tuning.overfit_batch(p, X, Y, steps=15, lr=0.3), 15, "overfit_batch(steps=15)", "full")
    check(same_losses(got, want),
          "overfit_batch should take full-batch gradient descent steps on all of X, Y, recording each loss before "
          "its update", f"yours: {[round(v, 4) for v in got[:4]]} …, expected {[round(v, 4) for v in want[:4]]} …"
          + trajectory_slip(got, want, "the batch"), hint="full")
    for k in q:
        expect(p[k]).close_to(q[k], atol=1e-5, why=f"params[{k!r}] should end trained (in place)", hint="zero")


@exercise("tuning.overfit_batch")
def test_overfit_batch_memorises_a_batch(tuning):
    g = torch.Generator().manual_seed(11)
    X = torch.randperm(13 ** 3, generator=g)[:32]
    X = torch.stack([X // 169, X // 13 % 13, X % 13], dim=1)     # 32 distinct contexts: no two disagree
    Y = torch.randint(0, 13, (32,), generator=g)
    p = params_for(V=13, block_size=3, d=8, hidden=100, seed=12)
    losses = floats(tuning.overfit_batch(p, X, Y, steps=300, lr=0.1), 300, "overfit_batch(steps=300)", "full")
    check(losses[-1] < 0.1 * losses[0], "300 steps on 32 distinct examples should drive the loss far down "
          "(below a tenth of where it started)", f"yours went from {losses[0]:.3f} to {losses[-1]:.3f}", hint="zero")


# ---------------------------------------------------------------- beat_217
TARGET = 2.17                 # lecture 3's dev loss, the figure to beat
MAX_PARAMS = 1_000_000        # the docstring's caps: the judge evaluates what it is given
MAX_BLOCK = 16
MODEL_FILE = "beat_217.pt"      # beside the learner's modules
MAX_FILE_BYTES = 16 * 2**20      # 1,000,000 float32 numbers take 4 MB
PARAMS = ("C", "W1", "b1", "W2", "b2")


def bundled_split(names):
    """The bundled split as split_words defines it: random.Random(42).shuffle on a copy, cut at 80 % and 90 %."""
    words = list(names)
    random.Random(42).shuffle(words)
    n = len(words)
    return words[:int(0.8 * n)], words[int(0.8 * n):int(0.9 * n)], words[int(0.9 * n):]


def vocab_of(names):
    return {ch: i for i, ch in enumerate(["."] + sorted(set("".join(names)) - {"."}))}


def contexts(words, stoi, block_size):
    """Every (context, next character) pair of the words, contexts padded with '.' (index 0): the
    windows of block_size + 1 over each word's indices, with block_size zeros before and one after."""
    windows = [torch.tensor([0] * block_size + [stoi[ch] for ch in w] + [0]).unfold(0, block_size + 1, 1)
               for w in words]
    both = torch.cat(windows)
    return both[:, :block_size].contiguous(), both[:, block_size].contiguous()


def challenge_params(p, V):
    """The saved parameters, checked against the docstring's shapes; returns them and block_size."""
    names = PARAMS
    check(isinstance(p, dict) and sorted(p) == sorted(names), f"{MODEL_FILE} should hold the dict C, W1, b1, W2, b2 "
          "of mlp.forward (what tuning.beat_217 returns)",
          f"it holds {describe(p) if not isinstance(p, dict) else sorted(map(str, p))}", hint="return")
    for k in names:
        expect(p[k]).tensor(what=f"params[{k!r}]", hint="return")
        check(p[k].is_floating_point(), f"params[{k!r}] should be a float tensor", f"it is {p[k].dtype}", hint="return")
    C, W1, b1, W2, b2 = (p[k].detach().float() for k in names)
    ok = (C.dim() == 2 and C.shape[0] == V and W1.dim() == 2 and C.shape[1] > 0 and W1.shape[0] % C.shape[1] == 0
          and b1.shape == (W1.shape[1],) and W2.shape == (W1.shape[1], V) and b2.shape == (V,))
    shapes = ", ".join(f"{k} {tuple(p[k].shape)}" for k in names)
    check(ok, f"the shapes should be those of mlp.init_params: C (V, n_embd), W1 (block_size * n_embd, n_hidden), "
          f"b1 (n_hidden,), W2 (n_hidden, V), b2 (V,), with V = {V}", f"yours: {shapes}", hint="return")
    size = sum(t.numel() for t in (C, W1, b1, W2, b2))
    check(size <= MAX_PARAMS, f"the model may hold at most {MAX_PARAMS:,} numbers", f"yours holds {size:,}",
          hint="width")
    block_size = W1.shape[0] // C.shape[1]
    check(1 <= block_size <= MAX_BLOCK, f"block_size (W1.shape[0] // C.shape[1]) should be 1 to {MAX_BLOCK}",
          f"yours is {block_size}", hint="return")
    return (C, W1, b1, W2, b2), block_size


def held_out_loss(params, block_size, words, stoi):
    """The mean cross-entropy of the lecture's forward pass on every context of `words`."""
    C, W1, b1, W2, b2 = params
    X, Y = contexts(words, stoi, block_size)
    with torch.no_grad():
        total = 0.0
        for i in range(0, len(X), 4096):
            logits = torch.tanh(C[X[i:i + 4096]].flatten(1) @ W1 + b1) @ W2 + b2
            total += F.cross_entropy(logits, Y[i:i + 4096], reduction="sum").item()
    return total / len(X)


# The saved model: the file's size is checked here, its bytes are read beside the learner's code
# (torch.load's weights_only reader, which builds tensors and containers, never objects of other
# classes), and what comes back is checked as any answer is.

def saved_model(target_folder, V: int):
    """The parameters of the learner's saved model, checked against the docstring's shapes, and block_size."""
    path = Path(os.path.realpath(target_folder)) / MODEL_FILE       # where the runner sees it too
    if not path.exists() and not path.is_symlink():
        not_started(f"no {MODEL_FILE} beside your modules yet: `course challenge` (or notebook 03's challenge cell) "
                    "trains your tuning.beat_217 and saves the model there")
    check(path.is_file() and not path.is_symlink(), f"{MODEL_FILE} should be the file your training saved",
          "it is a link or a folder", hint="save")
    size = path.stat().st_size
    check(size <= MAX_FILE_BYTES, f"{MODEL_FILE} should hold the five tensors only (at most {MAX_FILE_BYTES // 2**20} MB)",
          f"it has {size / 2**20:.1f} MB", hint="save")
    try:
        runner_exec(f"import torch\n_beat_217 = torch.load({str(path)!r}, map_location='cpu', weights_only=True)\n",
                    MODEL_FILE)
    except Exception as exc:  # noqa: BLE001 - torch.load raised beside the learner's code: the file is not a model
        fail(f"{MODEL_FILE} should be what torch.save writes from the dict C, W1, b1, W2, b2",
             f"torch.load could not read it ({describe_error(exc)})", hint="save")
    return challenge_params(runner_answer("_beat_217"), V)


def describe_error(exc: BaseException) -> str:
    """The first line of what the reading raised, short (its text came from the learner's process)."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def check_beats_217(names, split: str, target_folder):
    _, dev_words, test_words = bundled_split(names)
    stoi = vocab_of(names)
    params, block_size = saved_model(target_folder, len(stoi))
    words = dev_words if split == "dev" else test_words
    loss = held_out_loss(params, block_size, words, stoi)
    check(math.isfinite(loss), f"the {split} loss of your model should be a number", "it is NaN or inf: did the "
          "training diverge (a learning rate too high)?", hint="budget")
    uniform = math.log(len(stoi))
    if loss >= 2 * uniform:      # where N(0, 1) parameters start: training hardly touched these
        fail(f"the {split} loss of your model should be below {TARGET}",
             f"it is {loss:.4f}, more than twice a uniform guess's ({uniform:.4f}): are these the trained tensors?",
             hint="return")
    if loss >= uniform:
        fail(f"the {split} loss of your model should be below {TARGET}",
             f"it is {loss:.4f}, no better than a uniform guess ({uniform:.4f}): the training has not yet undone "
             "the start", hint="init")
    check(loss < TARGET, f"the {split} loss of your model should be below {TARGET} (lecture 3 ends at about 2.17)",
          f"the grader computed {loss:.4f} from your parameters (block_size {block_size}, n_embd "
          f"{params[0].shape[1]}, n_hidden {params[1].shape[1]}) on the {len(words):,} {split} words", hint="budget")


@exercise("tuning.beat_217")
def test_beat_217_on_the_dev_split(names, target_folder):
    check_beats_217(names, "dev", target_folder)
