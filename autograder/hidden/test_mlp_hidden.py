"""Hidden graders for lecture 3's MLP: the same contracts as autograder/test_mlp.py, on inputs the
learner never saw (other alphabets, list sizes, block sizes, embedding widths, seeds, shapes
where N < V and N = 1), so that an answer written for the public checks' numbers fails here.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import math
import random
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from course.grading.judge.api import (backward, changed_arguments, check, describe, exercise, expect, float32_slack, is_number,
                           is_sequence, number)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_mlp import close, fresh, params_for, reference_forward, sgd  # noqa: E402


# The hidden tier never ships, so it may hold reference rows; the public graders hold none
# (they use hand-worked cases, properties and fixtures).
def vocab(words):
    """The course's vocabulary, built here so that the graders do not rely on build_vocab."""
    chars = sorted(set("".join(words)))
    return {".": 0, **{c: i + 1 for i, c in enumerate(chars)}}


def contexts(words, stoi, block_size):
    """The reference rows of build_dataset, as plain lists."""
    X, Y = [], []
    for w in words:
        ctx = [0] * block_size
        for ch in w + ".":
            X.append(list(ctx))
            Y.append(stoi[ch])
            ctx = ctx[1:] + [stoi[ch]]
    return X, Y

ALPHABET = "ßçñøåéüqkw"                  # no a-z run, non-ASCII: V = 11


def words_from(seed: int, n: int, alphabet: str = ALPHABET, longest: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest))) for _ in range(n)]


# ---------------------------------------------------------------- split_words
@exercise("mlp.split_words")
def test_hidden_split_words_other_sizes_and_seeds(mlp):
    for n, seed in ((57, 1234), (9, 0), (101, 42)):
        words = words_from(seed + 1, n)
        out = mlp.split_words(words, seed=seed)
        check(not any(p == "0" or p.startswith("0[") for p in changed_arguments()),
              "split_words must not change the caller's list", "yours changed it", hint="copy")
        check(is_sequence(out, 3) and all(is_sequence(part) for part in out),
              "split_words should return (train, dev, test), three sequences (lists or tuples)",
              f"got {describe(out)}", hint="cuts")
        n1, n2 = int(0.8 * n), int(0.9 * n)
        sizes = tuple(len(part) for part in out)
        check(sizes == (n1, n2 - n1, n - n2),
              f"{n} words cut at int(0.8 * {n}) = {n1} and int(0.9 * {n}) = {n2} give "
              f"{n1}, {n2 - n1}, {n - n2}", f"yours are {sizes}", hint="cuts")
        shuffled = list(words)
        random.Random(seed).shuffle(shuffled)
        expected = (shuffled[:n1], shuffled[n1:n2], shuffled[n2:])
        check(tuple(list(part) for part in out) == expected,
              f"with seed={seed} the order should be that of random.Random({seed}).shuffle on a copy",
              f"{n} words were split in another order", hint="seed")


# ---------------------------------------------------------------- build_dataset
@exercise("mlp.build_dataset")
def test_hidden_build_dataset_other_alphabet_and_block_sizes(mlp):
    words = words_from(11, 25, longest=9)
    stoi = vocab(words)
    for block_size in (5, 2, 8):
        X, Y = mlp.build_dataset(list(words), stoi, block_size=block_size)
        EX, EY = contexts(words, stoi, block_size)
        expect(X).tensor(shape=(len(EX), block_size), dtype=torch.int64,
                         what=f"X for {len(words)} words with block_size {block_size}", hint="end")
        expect(Y).tensor(shape=(len(EY),), dtype=torch.int64, what=f"Y with block_size {block_size}", hint="dtype")
        starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
        check(all(X[i].tolist() == [0] * block_size for i in starts),
              f"with block_size {block_size} every word starts from a fresh context of {block_size} zeros",
              "one of yours carries characters of the word before", hint="reset")
        expect(X).equals(torch.tensor(EX), why=f"the contexts with block_size {block_size}, newest character last",
                         hint="slide")
        expect(Y).equals(torch.tensor(EY), why=f"the targets with block_size {block_size}, '.' ending every word",
                         hint="end")


# ---------------------------------------------------------------- embed
@exercise("mlp.embed")
def test_hidden_embed_other_widths_and_block_sizes(mlp):
    g = torch.Generator().manual_seed(21)
    for V, d, N, block_size in ((13, 6, 9, 5), (4, 1, 3, 7), (17, 3, 1, 1)):
        C = torch.randn(V, d, generator=g)
        X = torch.randint(0, V, (N, block_size), generator=g)
        out = mlp.embed(C, X)
        expect(out).tensor(shape=(N, block_size * d), what=f"embed(C ({V}, {d}), X ({N}, {block_size}))",
                           hint="lookup")
        expect(out).close_to(C[X].flatten(1), why=f"each row holds the {block_size} embeddings of width {d} "
                             "of its context, end to end, oldest first", hint="order")


@exercise("mlp.embed")
def test_hidden_embed_gradient_other_shape(mlp):
    C = torch.randn(9, 5, generator=torch.Generator().manual_seed(22)).requires_grad_()
    X = torch.tensor([[8, 8, 0, 3], [3, 1, 8, 8]])
    weights = torch.randn(2, 20, generator=torch.Generator().manual_seed(23))
    backward(mlp.embed(C, X), weights)             # d((embed * weights).sum())/d embed
    check(C.grad is not None, "the gradient of the result should reach C", "C.grad is None", hint="graph")
    ref = C.detach().clone().requires_grad_()
    (ref[X].flatten(1) * weights).sum().backward()
    expect(C.grad).close_to(ref.grad, why="each embedding's gradient comes from the positions where it was used",
                            hint="graph")


# ---------------------------------------------------------------- init_params
@exercise("mlp.init_params")
def test_hidden_init_params_other_sizes(mlp):
    for V, block_size, n_embd, n_hidden in ((19, 6, 3, 41), (3, 1, 7, 2)):
        torch.manual_seed(0)
        p = mlp.init_params(V, block_size=block_size, n_embd=n_embd, n_hidden=n_hidden,
                            generator=torch.Generator().manual_seed(99))
        what = f"V={V}, block_size={block_size}, n_embd={n_embd}, n_hidden={n_hidden}"
        check(isinstance(p, dict) and set(p) == {"C", "W1", "b1", "W2", "b2"},
              "init_params should return a dict with keys C, W1, b1, W2, b2", f"got {describe(p)}", hint="shapes")
        shapes = {"C": (V, n_embd), "W1": (block_size * n_embd, n_hidden), "b1": (n_hidden,),
                  "W2": (n_hidden, V), "b2": (V,)}
        for name, shape in shapes.items():
            expect(p[name]).tensor(shape=shape, dtype=torch.float32, what=f"{name} for {what}", hint="shapes")
            check(p[name].requires_grad and p[name].is_leaf, f"{name} should be a leaf tensor that requires grad",
                  hint="leaf")
        torch.manual_seed(1)                          # another global state: the generator alone decides
        q = mlp.init_params(V, block_size=block_size, n_embd=n_embd, n_hidden=n_hidden,
                            generator=torch.Generator().manual_seed(99))
        differ = [k for k in shapes if not torch.equal(p[k], q[k])]
        check(not differ, "the same generator seed should give the same parameters, whatever the global seed",
              f"{', '.join(differ)} changed with the global seed", hint="generator")


# ---------------------------------------------------------------- forward
@exercise("mlp.forward")
def test_hidden_forward_other_shapes(mlp):
    for V, block_size, d, hidden, N, seed in ((11, 5, 2, 13, 17, 31), (4, 1, 6, 3, 1, 32)):
        p = params_for(V=V, block_size=block_size, d=d, hidden=hidden, seed=seed)
        X = torch.randint(0, V, (N, block_size), generator=torch.Generator().manual_seed(seed + 100))
        out = mlp.forward(p, X)
        expect(out).tensor(shape=(N, V), what=f"the logits for {N} contexts of {block_size} over {V} characters",
                           hint="formula")
        expect(out).close_to(reference_forward(p, X), atol=1e-4,
                             why=f"logits = tanh(embed(C, X) @ W1 + b1) @ W2 + b2 with block_size {block_size}, "
                                 f"embeddings of width {d} and {hidden} hidden units", hint="formula")


# ---------------------------------------------------------------- cross_entropy
@exercise("mlp.cross_entropy")
def test_hidden_cross_entropy_other_shapes(mlp):
    g = torch.Generator().manual_seed(41)
    cases = [
        (torch.randn(11, 4, generator=g) * 5, torch.randint(0, 4, (11,), generator=g)),        # N > V
        (torch.randn(1, 9, generator=g), torch.tensor([8])),                                     # N = 1
        (torch.randn(6, 5, generator=g) * 3 + torch.tensor([[1e4], [-1e4], [0.0], [5e3], [-3e3], [2e3]]),
         torch.tensor([4, 0, 2, 2, 1, 3])),                                                      # rows shifted by up to 1e4
    ]
    for logits, Y in cases:
        N, V = logits.shape
        value = mlp.cross_entropy(logits, Y)
        expect(value).tensor(shape=(), what=f"the loss for {N} examples over {V} characters", hint="max")
        # logits of 1e4 are float32 numbers 1e-3 apart: the log-normaliser of two correct versions
        # (logsumexp, max subtracted by hand) may differ by that much
        expect(value).close_to(F.cross_entropy(logits, Y).item(), atol=1e-4 + float32_slack(logits.abs().max()),
                               rtol=1e-4,
                               why=f"the same number as F.cross_entropy, for {N} examples over {V} characters",
                               hint="mean")


@exercise("mlp.cross_entropy")
def test_hidden_cross_entropy_gradient_large_logits(mlp):
    g = torch.Generator().manual_seed(42)
    base = torch.randn(7, 3, generator=g) * 4 + torch.linspace(-1e4, 1e4, 7)[:, None]
    logits = base.clone().requires_grad_()
    Y = torch.tensor([2, 2, 0, 1, 0, 2, 1])
    backward(mlp.cross_entropy(logits, Y))
    check(logits.grad is not None, "the loss should be differentiable with respect to the logits", hint="mean")
    expected = (base.softmax(1) - F.one_hot(Y, 3)) / 7
    # softmax = exp(logit - log-normaliser), and at logits of 1e4 the log-normaliser is only known
    # to float32's spacing there (1e-3): torch.logsumexp and a hand-subtracted max both stay within
    # that, which is 1.7e-4 on the gradient of a mean over 7 rows (3.5e-5 seen), not within 1e-5
    expect(logits.grad).close_to(expected, atol=1e-5 + float32_slack(base.abs().max(), per=1 / 7),
                                 why="the gradient should be (softmax - onehot) / N, finite for logits of 1e4",
                                 hint="max")


# ---------------------------------------------------------------- train
def one_example(n, context, target):
    """n copies of one (context, target): every minibatch is the same, however it is drawn."""
    return torch.tensor([context]).repeat(n, 1), torch.full((n,), target, dtype=torch.int64)


@exercise("mlp.train")
def test_hidden_train_other_shapes_and_schedule(mlp):
    X, Y = one_example(40, [5, 0], 7)
    start = params_for(V=9, block_size=2, d=3, hidden=7, seed=51)
    p = fresh(start)
    losses = mlp.train(p, X, Y, steps=3, batch_size=5, lr=0.2, generator=torch.Generator().manual_seed(52))
    check(is_sequence(losses, 3), "train(..., steps=3) should return a list of 3 losses",
          f"got {describe(losses)}", hint="losses")
    check(all(is_number(x) for x in losses), "the losses should be numbers (loss.item())",
          f"got {describe(losses[0])}", hint="losses")
    losses = [number(x) for x in losses]
    expected, expected_losses = sgd(start, X, Y, [0.2] * 3)
    check(close(p, expected), "after 3 steps of lr=0.2 the parameters should be p - 0.2 * grad, three times",
          f"W1 differs by up to {(p['W1'] - expected['W1']).abs().max().item():.3g}", hint="update")
    expect(torch.tensor(losses)).close_to(torch.tensor(expected_losses), atol=1e-4,
                                          why="the loss of each step, computed before its update", hint="losses")

    rates = [0.05, 0.3, 0.0, 0.15]
    q = fresh(start)
    # a scheduler's step() after the last update asks about step 4 too: harmless, so answer it
    mlp.train(q, X, Y, steps=4, batch_size=3, lr=lambda step: rates[min(step, len(rates) - 1)],
              generator=torch.Generator().manual_seed(53))
    expected, _ = sgd(start, X, Y, rates)
    check(close(q, expected), "with lr a function, step s should use lr(s), counting from 0",
          "yours ended elsewhere after a schedule that changes every step", hint="schedule")


# ---------------------------------------------------------------- evaluate
@exercise("mlp.evaluate")
def test_hidden_evaluate_other_shapes(mlp):
    p = params_for(V=5, block_size=4, d=3, hidden=6, seed=61)
    g = torch.Generator().manual_seed(62)
    X, Y = torch.randint(0, 5, (257, 4), generator=g), torch.randint(0, 5, (257,), generator=g)
    value, saved = mlp.evaluate.counting_saved(p, X, Y)     # tensors autograd saved for backward
    check(is_number(value), "evaluate should return a number (a float or a 0-d tensor)", f"got {describe(value)}",
          hint="loss")
    value = number(value)
    expect(value).close_to(F.cross_entropy(reference_forward(p, X), Y).item(), atol=1e-4,
                           why="the mean cross-entropy over all of (X, Y), for 5 characters and block_size 4",
                           hint="loss")
    check(not saved, "evaluate should not build a graph for a backward pass that never comes",
          f"autograd saved {saved} tensors for backward during yours", hint="nograd")
    changed = [k for k, v in p.items() if not (v.requires_grad and v.is_leaf and v.grad is None)]
    check(not changed, "evaluate should leave the parameters as they were: still trainable, with no gradient",
          f"yours changed {', '.join(changed)}", hint="nograd")
    check(math.isfinite(value), "the loss should be finite", hint="loss")
