"""Graders for lecture 3, the MLP language model (exercises/mlp.py).

Expected values come from tiny cases worked out by hand here (the contexts of a few words),
from properties (a split is a permutation cut at 80% and 90%; block_size 1 gives the
bigrams), from torch itself (F.cross_entropy, C[X] flattened per example, torch.optim.SGD on
a data set whose every row is the same example, so that any way of drawing minibatches gives
the same trajectory), and from autograder/fixtures/mlp.json (the splits
that random.Random(seed) makes, stored by `course fixtures`; see make_fixtures at the end).
Nothing here re-implements an exercise. Shapes are non-square and alphabets other than a-z,
so nothing may assume 27 characters.
"""
import math
import random
import string

import torch
import torch.nn.functional as F

from course.grading.judge.api import (backward, changed_arguments, check, describe, exercise, expect, fail, fixture, is_number,
                           is_sequence, not_a_number, number)

WORDS = ["otto", "tom", "mot", "moon", "to"]         # alphabet m n o t: V = 5


STOI = {".": 0, "m": 1, "n": 2, "o": 3, "t": 4}       # the vocabulary of WORDS, written out
AZ = {".": 0, **{c: i + 1 for i, c in enumerate(string.ascii_lowercase)}}   # the bundled names'
SPLIT_WORDS = [f"w{i}" for i in range(40)]          # the words of the stored splits (fixtures)
SPLIT_SEEDS = (7, 42)


def params_for(V, block_size, d, hidden, seed):
    """Parameters to test with: unit normals drawn as one flat vector, cut into the shapes of
    the contract (other numbers than init_params draws, so they cannot stand in for it)."""
    names = ("C", "W1", "b1", "W2", "b2")
    shapes = ((V, d), (block_size * d, hidden), (hidden,), (hidden, V), (V,))
    flat = torch.randn(sum(math.prod(s) for s in shapes), generator=torch.Generator().manual_seed(seed))
    pieces = flat.split([math.prod(s) for s in shapes])
    return {name: piece.view(shape).clone().requires_grad_() for name, piece, shape in zip(names, pieces, shapes)}


def reference_forward(p, X):
    return torch.tanh(p["C"][X].flatten(1) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def fresh(p):
    return {k: v.detach().clone().requires_grad_() for k, v in p.items()}


# ---------------------------------------------------------------- split_words
@exercise("mlp.split_words")
def test_split_words_sizes_and_the_callers_list(mlp):
    words = [f"name{i}" for i in range(23)]
    out = mlp.split_words(words, seed=3)
    check(not any(p == "0" or p.startswith("0[") for p in changed_arguments()),
          "split_words must not change the caller's list", "yours shuffled it", hint="copy")
    check(is_sequence(out, 3) and all(is_sequence(part) for part in out),
          "split_words should return (train, dev, test), three sequences (lists or tuples)",
          f"got {describe(out)}", hint="cuts")
    train, dev, test = out
    sizes = (len(train), len(dev), len(test))
    check(sizes == (18, 2, 3), "23 words cut at int(0.8 * 23) = 18 and int(0.9 * 23) = 20 give 18, 2, 3",
          f"yours are {sizes}", hint="cuts")
    check(sorted([*train, *dev, *test]) == sorted(words), "the three parts together hold every word exactly once",
          hint="cuts")


@exercise("mlp.split_words")
def test_split_words_follows_the_seed(mlp):
    words = list(SPLIT_WORDS)
    a = mlp.split_words(list(words), seed=7)
    random.random()                                  # disturb the global generator in between
    b = mlp.split_words(list(words), seed=7)
    check(a == b, "the same seed should give the same split", "two calls with seed=7 differed", hint="seed")
    c = mlp.split_words(list(words), seed=8)
    check(a != c, "a different seed should give a different split", "seed=7 and seed=8 gave the same",
          hint="seed")
    stored = fixture("mlp")["split_words"]
    for seed in SPLIT_SEEDS:
        out = mlp.split_words(list(words), seed=seed) if seed != 42 else mlp.split_words(list(words))
        expected = tuple(stored[str(seed)])
        drawn = random.Random(seed).sample(words, len(words))
        check(list(out[0]) != drawn[:len(out[0])], f"with seed={seed} the order should be that of "
              f"random.Random({seed}).shuffle on a copy", "yours is that of random.Random(seed).sample, which draws "
              "another order", hint="seed")
        check(tuple(list(part) for part in out) == expected,
              f"with seed={seed} the order should be that of random.Random({seed}).shuffle (the default seed is 42)",
              f"yours starts {out[0][:3]}, expected {expected[0][:3]}", hint="seed")


# ---------------------------------------------------------------- build_dataset
@exercise("mlp.build_dataset")
def test_build_dataset_one_word(mlp):
    stoi = STOI
    X, Y = mlp.build_dataset(["otto"], stoi, block_size=3)
    expect(X).tensor(shape=(5, 3), dtype=torch.int64, what="X for ['otto'] with block_size 3 (4 letters + '.')",
                     hint="end")
    expect(Y).tensor(shape=(5,), dtype=torch.int64, what="Y for ['otto']", hint="dtype")
    # o = 3, t = 4: worked out by hand
    EX, EY = [[0, 0, 0], [0, 0, 3], [0, 3, 4], [3, 4, 4], [4, 4, 3]], [3, 4, 4, 3, 0]
    check(X[0].tolist() == [0, 0, 0], "the first context of a word is all '.' (zeros)",
          f"yours is {X[0].tolist()}", hint="pad")
    o, t = stoi["o"], stoi["t"]
    if X[1].tolist() == [o, 0, 0]:
        newest_first = X[2].tolist() == [t, o, 0]
        fail("the padding goes at the start and the newest character last: after 'o' the context is [0, 0, o], "
             "after 'ot' [0, o, t]", f"yours are {X[1].tolist()} and {X[2].tolist()}, "
             + ("newest character first" if newest_first else "padded at the end"), hint="pad")
    expect(X).equals(torch.tensor(EX), why="the contexts of 'otto' ([0,0,0], [0,0,o], [0,o,t], [o,t,t], [t,t,o])",
                     hint="slide")
    expect(Y).equals(torch.tensor(EY), why="the targets of 'otto' (o, t, t, o, '.')", hint="end")


@exercise("mlp.build_dataset")
def test_build_dataset_every_word_starts_afresh(mlp):
    words = ["mot", "no", "tom"]
    stoi = STOI
    X, Y = mlp.build_dataset(list(words), stoi, block_size=4)
    # m = 1, n = 2, o = 3, t = 4: worked out by hand
    EX = [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 3], [0, 1, 3, 4],          # mot
          [0, 0, 0, 0], [0, 0, 0, 2], [0, 0, 2, 3],                        # no
          [0, 0, 0, 0], [0, 0, 0, 4], [0, 0, 4, 3], [0, 4, 3, 1]]          # tom
    EY = [1, 3, 4, 0, 2, 3, 0, 4, 3, 1, 0]
    expect(X).tensor(shape=(len(EX), 4), dtype=torch.int64, what=f"X for {words} with block_size 4", hint="end")
    check(X[4].tolist() == [0, 0, 0, 0], "each word starts from a fresh context of zeros",
          f"the first context of 'no' is {X[4].tolist()}: it carries the end of 'mot'", hint="reset")
    expect(X).equals(torch.tensor(EX), why=f"the contexts of {words}", hint="slide")
    expect(Y).equals(torch.tensor(EY), why=f"the targets of {words}", hint="end")


@exercise("mlp.build_dataset")
def test_build_dataset_block_size_one_gives_character_pairs(mlp, names):
    words = names[:500]
    stoi = AZ
    X, Y = mlp.build_dataset(words, stoi, block_size=1)
    xs = [stoi[a] for w in words for a in "." + w]
    ys = [stoi[b] for w in words for b in w + "."]
    expect(X).tensor(shape=(len(xs), 1), dtype=torch.int64, what="X with block_size 1 on 500 bundled names",
                     hint="end")
    expect(X[:, 0]).equals(torch.tensor(xs), why="with block_size 1 the contexts are the bigrams' first characters",
                           hint="slide")
    expect(Y).equals(torch.tensor(ys), why="with block_size 1 the targets are the bigrams' second characters",
                     hint="end")


# ---------------------------------------------------------------- embed
@exercise("mlp.embed")
def test_embed_concatenates_in_context_order(mlp):
    g = torch.Generator().manual_seed(0)
    C = torch.randn(7, 4, generator=g)                        # V = 7, d = 4: not square
    X = torch.randint(0, 7, (5, 3), generator=g)
    out = mlp.embed(C, X)
    expect(out).tensor(shape=(5, 12), what="embed(C (7, 4), X (5, 3))", hint="lookup")
    expected = C[X].flatten(1)
    check(not torch.allclose(out, C[X].transpose(1, 2).flatten(1)),
          "each example's embeddings go end to end, [C[x0], C[x1], C[x2]]",
          "yours interleaves their components (a transpose before the reshape)", hint="order")
    expect(out).close_to(expected, why="row i should be C[X[i, 0]], C[X[i, 1]], C[X[i, 2]] laid end to end",
                         hint="order")
    out = mlp.embed(C, X[:, :2])
    expect(out).close_to(C[X[:, :2]].flatten(1), why="with block_size 2 the rows have 2 * 4 numbers",
                         hint="order")


@exercise("mlp.embed")
def test_embed_passes_gradients_to_C(mlp):
    C = torch.randn(6, 3, generator=torch.Generator().manual_seed(1)).requires_grad_()
    X = torch.tensor([[0, 0, 5], [5, 2, 2]])
    out = mlp.embed(C, X)
    check(isinstance(out, torch.Tensor) and out.requires_grad, "the result should stay connected to C",
          "it does not require grad", hint="graph")
    backward(out, torch.ones_like(out))          # d(out.sum())/d out
    check(C.grad is not None, "the gradient of the result should reach C", "C.grad is None", hint="graph")
    counts = torch.bincount(X.flatten(), minlength=6).float()
    expect(C.grad).close_to(counts[:, None].expand(6, 3),
                            why="d(sum)/dC[i] counts how often character i occurs in X", hint="graph")


# ---------------------------------------------------------------- init_params
@exercise("mlp.init_params")
def test_init_params_shapes_and_leaves(mlp):
    p = mlp.init_params(11, block_size=4, n_embd=5, n_hidden=17, generator=torch.Generator().manual_seed(0))
    check(isinstance(p, dict) and set(p) == {"C", "W1", "b1", "W2", "b2"},
          "init_params should return a dict with keys C, W1, b1, W2, b2", f"got {describe(p)}", hint="shapes")
    shapes = {"C": (11, 5), "W1": (20, 17), "b1": (17,), "W2": (17, 11), "b2": (11,)}
    for name, shape in shapes.items():
        expect(p[name]).tensor(shape=shape, dtype=torch.float32,
                               what=f"{name} for V=11, block_size=4, n_embd=5, n_hidden=17", hint="shapes")
        check(p[name].requires_grad, f"{name} should require grad", hint="leaf")
        check(p[name].is_leaf, f"{name} should be a leaf tensor, so that backward() fills its .grad",
              "yours is the result of an operation", hint="leaf")
    default = mlp.init_params(27)
    check({k: tuple(v.shape) for k, v in default.items()} == {"C": (27, 10), "W1": (30, 200), "b1": (200,),
                                                             "W2": (200, 27), "b2": (27,)},
          "the defaults are block_size 3, n_embd 10, n_hidden 200", hint="shapes")


@exercise("mlp.init_params")
def test_init_params_uses_the_generator(mlp):
    a = mlp.init_params(6, block_size=2, n_embd=3, n_hidden=8, generator=torch.Generator().manual_seed(5))
    torch.randn(4)                                   # disturb the global generator in between
    b = mlp.init_params(6, block_size=2, n_embd=3, n_hidden=8, generator=torch.Generator().manual_seed(5))
    same = all(torch.equal(a[k], b[k]) for k in a)
    check(same, "the same generator seed should give the same parameters", hint="generator")
    c = mlp.init_params(6, block_size=2, n_embd=3, n_hidden=8, generator=torch.Generator().manual_seed(6))
    check(not torch.equal(a["W1"], c["W1"]), "a different seed should give different parameters", hint="generator")
    check(a["W1"].std().item() > 0, "the weights should be random, not constant", hint="generator")


# ---------------------------------------------------------------- forward
@exercise("mlp.forward")
def test_forward_matches_the_formula(mlp):
    p = params_for(V=7, block_size=3, d=4, hidden=9, seed=2)
    X = torch.randint(0, 7, (6, 3), generator=torch.Generator().manual_seed(3))
    out = mlp.forward(p, X)
    expect(out).tensor(shape=(6, 7), what="the logits for 6 contexts over 7 characters", hint="formula")
    no_tanh = (p["C"][X].flatten(1) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    check(not torch.allclose(out, no_tanh, atol=1e-4), "the hidden layer needs its tanh",
          "yours is linear", hint="tanh")
    expect(out).close_to(reference_forward(p, X), atol=1e-4,
                         why="logits = tanh(embed(C, X) @ W1 + b1) @ W2 + b2", hint="formula")


@exercise("mlp.forward")
def test_forward_reaches_every_parameter(mlp):
    p = params_for(V=5, block_size=2, d=3, hidden=6, seed=4)
    X = torch.tensor([[0, 1], [2, 3], [4, 4]])
    logits = mlp.forward(p, X)
    backward(logits, 2 * logits.detach())         # d(logits.square().sum())/d logits
    missing = [k for k, v in p.items() if v.grad is None or v.grad.abs().sum() == 0]
    check(not missing, "the logits should depend on all of C, W1, b1, W2, b2",
          f"no gradient reached {', '.join(missing)}", hint="formula")


# ---------------------------------------------------------------- cross_entropy
@exercise("mlp.cross_entropy")
def test_cross_entropy_matches_torch(mlp):
    g = torch.Generator().manual_seed(6)
    logits = torch.randn(5, 8, generator=g) * 3                # 5 examples, 8 characters: not square
    Y = torch.tensor([0, 7, 3, 3, 1])
    value = mlp.cross_entropy(logits, Y)
    expect(value).tensor(shape=(), what="the loss (a scalar tensor)", hint="mean")
    expected = F.cross_entropy(logits, Y)
    wrong_dim = -logits.log_softmax(0)[torch.arange(5), Y].mean()
    check(not torch.allclose(value, wrong_dim, atol=1e-5), "the softmax runs over the characters of each row",
          "yours normalises over the examples", hint="dim")
    check(not torch.allclose(value, expected * 5, atol=1e-4), "average over the examples, do not sum them",
          f"yours is {value.item():.4f}, 5 times the mean", hint="mean")
    expect(value).close_to(expected.item(), atol=1e-5, why="the same number as F.cross_entropy", hint="mean")


@exercise("mlp.cross_entropy")
def test_cross_entropy_large_logits(mlp):
    logits = torch.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4 - 2], [-1e4, -1e4, -1e4]])
    Y = torch.tensor([1, 2, 0])
    value = mlp.cross_entropy(logits, Y)
    if isinstance(value, torch.Tensor) and value.numel() == 1 and torch.isinf(value).all():
        # Finite logits, yet an infinite loss: a probability underflowed to 0 before its log.
        fail("logits of 1e4 should give a finite loss, as F.cross_entropy does",
             "yours is inf: the log of a probability that underflowed to 0", hint="logzero")
    expect(value).tensor(shape=(), what="the loss for logits of magnitude 1e4", hint="max")
    expect(value).close_to(F.cross_entropy(logits, Y).item(), rtol=1e-5,
                           why="logits of 1e4 should give the same loss as F.cross_entropy", hint="max")


@exercise("mlp.cross_entropy")
def test_cross_entropy_gradient(mlp):
    logits = torch.randn(4, 6, generator=torch.Generator().manual_seed(7)).requires_grad_()
    Y = torch.tensor([5, 0, 2, 2])
    backward(mlp.cross_entropy(logits, Y))
    check(logits.grad is not None, "the loss should be differentiable with respect to the logits", hint="mean")
    expected = (logits.detach().softmax(1) - F.one_hot(Y, 6)) / 4       # (softmax - onehot) / N
    expect(logits.grad).close_to(expected, atol=1e-5, why="the gradient should be (softmax - onehot) / N",
                                 hint="mean")


# ---------------------------------------------------------------- train
def one_example_data(n=64):
    """64 copies of one (context, target): every minibatch is the same, however it is drawn."""
    return torch.tensor([[1, 2, 3]]).repeat(n, 1), torch.full((n,), 4, dtype=torch.int64)


def sgd(p, X, Y, rates, zero_grad=True):
    """Plain SGD (torch.optim.SGD's step without momentum) on one example, at rates[i] on step
    i: the trajectory every correct train() follows. zero_grad=False lets the gradients pile
    up, the usual slip, to name it. Written functionally with torch.autograd.grad: creating a
    torch.optim optimizer imports torch._dynamo, a second and a half of every self-check."""
    p, losses, piled = fresh(p), [], None
    for rate in rates:
        loss = F.cross_entropy(reference_forward(p, X[:1]), Y[:1])
        grads = torch.autograd.grad(loss, list(p.values()))
        piled = grads if zero_grad or piled is None else [a + g for a, g in zip(piled, grads)]
        p = {k: (v - rate * g).detach().requires_grad_() for (k, v), g in zip(p.items(), piled)}
        losses.append(loss.item())
    return p, losses


def close(p, q, atol=1e-4):
    return all(torch.allclose(p[k].detach(), q[k].detach(), atol=atol) for k in p)


@exercise("mlp.train")
def test_train_takes_sgd_steps(mlp):
    X, Y = one_example_data()
    start = params_for(V=6, block_size=3, d=2, hidden=5, seed=8)
    p = fresh(start)
    losses = mlp.train(p, X, Y, steps=4, batch_size=8, lr=0.3, generator=torch.Generator().manual_seed(0))
    check(is_sequence(losses, 4), "train(..., steps=4) should return a list of 4 losses",
          f"got {describe(losses)}", hint="losses")
    check(all(is_number(x) for x in losses), "the losses should be numbers (loss.item())",
          f"got {describe(losses[0])}", hint="losses")
    losses = [number(x) for x in losses]
    expected, expected_losses = sgd(start, X, Y, [0.3] * 4)
    accumulated, _ = sgd(start, X, Y, [0.3] * 4, zero_grad=False)
    check(not close(p, start), "four steps with lr=0.3 should change the parameters",
          "yours are where they started", hint="update")
    check(not close(p, accumulated), "each step should use only its own gradient",
          "yours follow the gradients of all earlier steps added up", hint="zero")
    check(close(p, expected), "after 4 steps of lr=0.3 the parameters should be p - 0.3 * grad, four times",
          f"W2 differs by up to {(p['W2'] - expected['W2']).abs().max().item():.3g}", hint="update")
    expect(torch.tensor(losses)).close_to(torch.tensor(expected_losses), atol=1e-4,
                                          why="the loss of each step, computed before its update", hint="losses")


@exercise("mlp.train")
def test_train_follows_an_lr_schedule(mlp):
    X, Y = one_example_data()
    start = params_for(V=6, block_size=3, d=2, hidden=5, seed=9)
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.5 if step < 2 else 0.0

    p = fresh(start)
    mlp.train(p, X, Y, steps=5, batch_size=4, lr=schedule, generator=torch.Generator().manual_seed(0))
    check(bool(seen), "lr may be a function step -> rate; call it every step", "yours never called it",
          hint="schedule")
    # asking about step 5 too is harmless (a scheduler's step() after the last update does): the
    # parameters below tell whether each step used its own rate
    check(set(range(5)) <= set(seen), "for steps=5 the schedule should be asked about steps 0 to 4",
          f"yours asked about {sorted(set(seen))}", hint="schedule")
    expected, _ = sgd(start, X, Y, [0.5, 0.5])
    check(close(p, expected), "with lr = 0.5 for steps 0 and 1, then 0, only the first two steps should move "
          "the parameters", "yours ended elsewhere", hint="schedule")


@exercise("mlp.train")
def test_train_uses_the_generator(mlp):
    g = torch.Generator().manual_seed(10)
    X, Y = torch.randint(0, 6, (200, 3), generator=g), torch.randint(0, 6, (200,), generator=g)
    start = params_for(V=6, block_size=3, d=2, hidden=5, seed=11)
    a, b, c = fresh(start), fresh(start), fresh(start)
    la = mlp.train(a, X, Y, steps=5, batch_size=4, lr=0.1, generator=torch.Generator().manual_seed(1))
    torch.randint(0, 10, (7,))                         # disturb the global generator in between
    lb = mlp.train(b, X, Y, steps=5, batch_size=4, lr=0.1, generator=torch.Generator().manual_seed(1))
    la, lb = [number(x) for x in la], [number(x) for x in lb]
    check(la == lb and close(a, b, atol=0), "the same generator seed should give the same training run",
          f"losses {la[:2]} then {lb[:2]}", hint="generator")
    lc = [number(x) for x in mlp.train(c, X, Y, steps=5, batch_size=4, lr=0.1,
                                        generator=torch.Generator().manual_seed(2))]
    check(la != lc, "a different seed should draw different minibatches", "yours drew the same", hint="generator")


@exercise("mlp.train")
def test_train_lowers_the_loss(mlp):
    g = torch.Generator().manual_seed(11)
    X = torch.randint(0, 5, (80, 3), generator=g)
    Y = X[:, 2]                                      # a rule a network can learn: repeat the last character
    p = params_for(V=5, block_size=3, d=4, hidden=32, seed=12)
    before = F.cross_entropy(reference_forward(p, X), Y).item()
    mlp.train(p, X, Y, steps=300, batch_size=16, lr=0.1, generator=torch.Generator().manual_seed(3))
    after = F.cross_entropy(reference_forward(p, X), Y).item()
    check(after < before * 0.5, "300 steps on a tiny data set should at least halve the loss",
          f"yours went from {before:.3f} to {after:.3f}", hint="update")


# ---------------------------------------------------------------- evaluate
@exercise("mlp.evaluate")
def test_evaluate_is_the_mean_loss(mlp):
    p = params_for(V=7, block_size=3, d=4, hidden=9, seed=13)
    g = torch.Generator().manual_seed(14)
    X, Y = torch.randint(0, 7, (300, 3), generator=g), torch.randint(0, 7, (300,), generator=g)
    value = mlp.evaluate(p, X, Y)
    check(is_number(value), "evaluate should return a number (a float, or a 0-d tensor without a graph)",
          not_a_number(value), hint="nograd" if isinstance(value, torch.Tensor) and value.requires_grad else "loss")
    expect(value).close_to(F.cross_entropy(reference_forward(p, X), Y).item(), atol=1e-4,
                           why="the mean cross-entropy over all of (X, Y)", hint="loss")


@exercise("mlp.evaluate")
def test_evaluate_builds_no_graph(mlp):
    p = params_for(V=7, block_size=3, d=4, hidden=9, seed=15)
    X, Y = torch.randint(0, 7, (100, 3), generator=torch.Generator().manual_seed(16)), torch.zeros(100).long()
    # Autograd saves tensors for the backward pass only while it records a graph.
    _, saved = mlp.evaluate.counting_saved(p, X, Y)
    check(not saved, "evaluate should not build a graph for a backward pass that never comes",
          f"autograd saved {saved} tensors for backward during yours", hint="nograd")
    check(all(v.grad is None for v in p.values()), "evaluate should not touch the gradients", hint="nograd")
    check(math.isfinite(number(mlp.evaluate(p, X, Y))), "the loss should be finite", hint="loss")


# ---------------------------------------------------------------- fixtures
def make_fixtures(solution) -> dict:
    """The splits of SPLIT_WORDS that split_words makes with each of SPLIT_SEEDS, computed by
    `course fixtures` from solutions/mlp.py (the contract: random.Random(seed).shuffle of a
    copy, cut at int(0.8 n) and int(0.9 n))."""
    return {"split_words": {str(seed): [list(part) for part in solution.split_words(list(SPLIT_WORDS), seed=seed)]
                            for seed in SPLIT_SEEDS}}
