"""Graders for lecture 2, the bigram model (exercises/bigram.py).

Expected values come from hand-worked tiny cases, from properties (rows sum to 1, uniform
models score log V), from torch itself, and from autograder/fixtures/bigram.json for the
bundled data set (made by `course fixtures`; see make_fixtures at the end).
Other alphabets than a-z are used throughout, so nothing may assume 27 characters.
"""
import math

import torch
import torch.nn.functional as F

from course.grading.judge.api import check, describe, exercise, expect, fail, fixture, is_sequence

WORDS = ["zoe", "xy", "oz", "yoyo"]       # alphabet e o x y z: V = 6


def vocab(words):
    """The course's vocabulary, built here so that the graders do not rely on build_vocab."""
    chars = sorted(set("".join(words)))
    stoi = {".": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    return stoi, {i: c for c, i in stoi.items()}


def pairs(words, stoi):
    """Every bigram of the words, ends included: the consecutive characters of '.w1.w2. ... .wn.'
    (one word's end '.' is the next one's start)."""
    ix = torch.tensor([stoi[ch] for ch in "." + ".".join(words) + "."])
    return ix[:-1], ix[1:]


# ---------------------------------------------------------------- build_vocab
@exercise("bigram.build_vocab")
def test_build_vocab_small_alphabet(bigram):
    words = list(WORDS)
    stoi, itos = bigram.build_vocab(words)
    check(isinstance(stoi, dict) and isinstance(itos, dict), "build_vocab should return two dicts (stoi, itos)",
          f"got {type(stoi).__name__} and {type(itos).__name__}", hint="both")
    check(stoi.get(".") == 0, "'.' should have index 0", f"yours gives it {stoi.get('.')}", hint="order")
    expect(stoi).equals({".": 0, "e": 1, "o": 2, "x": 3, "y": 4, "z": 5},
                        why="the letters of zoe, xy, oz, yoyo should follow '.' in sorted order", hint="order")
    expect(itos).equals({i: c for c, i in stoi.items()}, why="itos should map every index back to its character",
                        hint="both")
    check(words == WORDS, "build_vocab must not change the list it is given", hint="order")


@exercise("bigram.build_vocab")
def test_build_vocab_bundled_names(bigram, names):
    stoi, itos = bigram.build_vocab(names)
    check(len(stoi) == 27 and stoi["a"] == 1 and stoi["z"] == 26,
          "on the bundled names: '.' then a..z, 27 in all", f"got {len(stoi)} entries", hint="order")


@exercise("bigram.build_vocab")
def test_build_vocab_punctuation_sorts_before_the_dot(bigram):
    # "'" and "-" sort before '.' in ASCII, yet '.' must still be index 0
    stoi, _ = bigram.build_vocab(["jo-ann", "o'neil"])
    check(stoi.get(".") == 0, "'.' should have index 0 even when other characters sort before it",
          f"yours gives it {stoi.get('.')}", hint="order")
    # by index, not by the dict's key order: the contract says nothing about the order of insertion
    expect(sorted(stoi, key=lambda ch: stoi[ch])).equals([".", "'", "-", "a", "e", "i", "j", "l", "n", "o"],
                                                         why="by index: after '.', the characters of jo-ann and "
                                                             "o'neil in sorted order", hint="order")


@exercise("bigram.build_vocab")
def test_build_vocab_dot_inside_words(bigram):
    stoi, _ = bigram.build_vocab(["a.b", "ba"])
    if isinstance(stoi, dict) and stoi.get(".") == 0 and sorted(stoi.values()) == [0, 2, 3]:
        fail("with '.' inside a word (a.b), the indices should still be 0, 1, 2: '.' only at 0",
             "yours skip 1: '.' was among the sorted characters before it was set to 0; leave it out of them",
             hint="dot")
    expect(stoi).equals({".": 0, "a": 1, "b": 2}, why="'.' inside a word must not get a second index", hint="dot")


# ---------------------------------------------------------------- count_bigrams
@exercise("bigram.count_bigrams")
def test_count_bigrams_by_hand(bigram):
    stoi, _ = vocab(["ab"])
    N = bigram.count_bigrams(["ab"], stoi)
    expect(N).tensor(shape=(3, 3), what="the count matrix for the vocabulary . a b", hint="size")
    expect(N).tensor(dtype=torch.int64, what="the count matrix", hint="dtype")
    row0 = N[0].sum().item()
    check(row0 == 1, "row '.' counts how words start, so for ['ab'] it should sum to 1",
          f"yours sums to {row0}", hint="wrap")
    check(N[:, 0].sum().item() == 1, "column '.' counts how words end, so for ['ab'] it should sum to 1",
          f"yours sums to {N[:, 0].sum().item()}", hint="wrap")
    expect(N).equals(torch.tensor([[0, 1, 0], [0, 0, 1], [1, 0, 0]]),
                     why="['ab'] has exactly the bigrams .a, ab, b.", hint="pairs")


@exercise("bigram.count_bigrams")
def test_count_bigrams_other_alphabet(bigram):
    stoi, _ = vocab(WORDS)
    N = bigram.count_bigrams(list(WORDS), stoi)
    V = len(stoi)
    expect(N).tensor(shape=(V, V), dtype=torch.int64, what=f"the count matrix for a {V}-letter vocabulary",
                     hint="size")
    expected = torch.zeros((V, V), dtype=torch.int64)
    xs, ys = pairs(WORDS, stoi)
    expected.index_put_((xs, ys), torch.ones_like(xs), accumulate=True)
    check(N.sum().item() == len(xs), f"{WORDS} has {len(xs)} bigrams, start and end included",
          f"your counts add up to {N.sum().item()}", hint="wrap")
    expect(N).equals(expected, why=f"counts of {WORDS}", hint="pairs")


@exercise("bigram.count_bigrams")
def test_count_bigrams_bundled_names(bigram, names):
    stoi, _ = vocab(names)
    N = bigram.count_bigrams(names, stoi)
    fx = fixture("bigram")
    expect(N).tensor(shape=(27, 27), dtype=torch.int64, what="the counts of the bundled names")
    check(N.sum().item() == fx["total_bigrams"], f"the bundled names have {fx['total_bigrams']:,} bigrams",
          f"yours count {N.sum().item():,}", hint="wrap")
    for cell, value in fx["cells"].items():
        a, b = cell
        check(N[stoi[a], stoi[b]].item() == value, f"N['{a}', '{b}'] should be {value}",
              f"yours is {N[stoi[a], stoi[b]].item()}", hint="pairs")


# ---------------------------------------------------------------- bigram_probs
@exercise("bigram.bigram_probs")
def test_bigram_probs_rows_sum_to_one(bigram):
    counts = torch.tensor([[0, 9, 1], [4, 4, 0], [1, 1, 30]])
    before = counts.clone()
    P = bigram.bigram_probs(counts, smoothing=0.0)
    expect(P).tensor(shape=(3, 3), dtype=torch.float32, what="P", hint="float")
    sums = P.sum(1)
    check(torch.allclose(sums, torch.ones(3), atol=1e-5), "rows of P must each sum to 1",
          f"yours sum to {', '.join(f'{s:.3g}' for s in sums.tolist())}", hint="keepdim")
    expect(P).close_to(counts.float() / counts.float().sum(1, keepdim=True),
                       why="P[i, j] should be counts[i, j] / (total of row i)", hint="keepdim")
    expect(counts).equals(before, why="bigram_probs must not change the counts it is given", hint="float")


@exercise("bigram.bigram_probs")
def test_bigram_probs_smoothing(bigram):
    counts = torch.tensor([[0, 3], [1, 1]])
    P = bigram.bigram_probs(counts, smoothing=1.0)
    expect(P).tensor(shape=(2, 2), dtype=torch.float32, what="P", hint="float")
    check(bool((P > 0).all()), "with smoothing 1 no probability may be 0", f"yours: {P.tolist()}", hint="order")
    expect(P).close_to(torch.tensor([[0.2, 0.8], [0.5, 0.5]]), why="(counts + 1) normalised per row",
                       hint="order")
    P = bigram.bigram_probs(torch.tensor([[2, 0, 0], [0, 0, 5], [1, 1, 1]]), smoothing=2.5)
    expected = torch.tensor([[4.5, 2.5, 2.5], [2.5, 2.5, 7.5], [3.5, 3.5, 3.5]])
    expect(P).close_to(expected / expected.sum(1, keepdim=True),
                       why="smoothing=2.5 adds 2.5 to every count before normalising", hint="order")


# ---------------------------------------------------------------- nll
def common_nll_mistakes(value, expected: float, count: int) -> None:
    """Name the mistake when `value` is the NLL negated or summed over `count` bigrams."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        check(False, "nll should return a number (a Python float)", f"got {describe(value)}", hint="mean")
    check(abs(value + expected) > 1e-4, "the NLL is positive: negate the mean log-probability",
          f"yours is {value:.4f}", hint="sign")
    check(abs(value - expected * count) > 1e-3, "average over the bigrams, do not sum them",
          f"yours is {value:.4f}, the sum over all {count}", hint="mean")


@exercise("bigram.nll")
def test_nll_uniform_model_scores_log_v(bigram):
    stoi, _ = vocab(WORDS)
    V = len(stoi)
    value = bigram.nll(torch.full((V, V), 1.0 / V), list(WORDS), stoi)
    common_nll_mistakes(value, math.log(V), sum(len(w) + 1 for w in WORDS))
    expect(value).close_to(math.log(V), atol=1e-4,
                           why=f"a uniform model over {V} characters has average NLL log({V}) = {math.log(V):.4f}",
                           hint="mean")


@exercise("bigram.nll")
def test_nll_by_hand(bigram):
    stoi, _ = vocab(["ab"])
    P = torch.tensor([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
    value = bigram.nll(P, ["ab"], stoi)
    terms = [0.8, 0.4, 0.5]                 # .a, ab, b.
    expected = -sum(math.log(t) for t in terms) / 3
    common_nll_mistakes(value, expected, 3)
    check(not abs(float(value) + math.log(0.4)) < 1e-4, "the start and end bigrams count too",
          f"yours is {float(value):.4f}: only 'ab'", hint="every")
    expect(value).close_to(expected, atol=1e-4,
                           why="['ab'] under this P: -(log 0.8 + log 0.4 + log 0.5) / 3", hint="every")


@exercise("bigram.nll")
def test_nll_bundled_names(bigram, names):
    stoi, _ = vocab(names)
    xs, ys = pairs(names, stoi)
    N = torch.zeros((27, 27)).index_put_((xs, ys), torch.ones(len(xs)), accumulate=True)
    P = (N + 1) / (N + 1).sum(1, keepdim=True)
    value = bigram.nll(P, names, stoi)
    expected = fixture("bigram")["nll_smoothing_1"]
    # The lecture's loop adds the 229,804 float32 log-probabilities one at a time; float32's spacing
    # at that running total (5.6e5) is 0.06, and the mean drifts by 1.9e-4 (measured). 1e-3 still
    # tells the mistakes apart: leaving out the start and end bigrams moves it by 0.06.
    expect(value).close_to(expected, atol=1e-3, why="the NLL of the bundled names under the +1-smoothed counts",
                           hint="every")


# ---------------------------------------------------------------- sample_names
@exercise("bigram.sample_names")
def test_sample_names_walks_the_chain(bigram):
    # '.' -> x -> y -> '.', always: every name is "xy"
    P = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    out = bigram.sample_names(P, {0: ".", 1: "x", 2: "y"}, 3, generator=torch.Generator().manual_seed(3))
    check(is_sequence(out, 3), "sample_names(..., n=3) should return a list (or tuple) of 3 names",
          f"got {describe(out)}", hint="stop")
    expect(out).equals(["xy", "xy", "xy"], why="from '.' this model always goes x, y, '.'", hint="stop")


@exercise("bigram.sample_names")
def test_sample_names_first_letters_follow_row_zero(bigram):
    # Row 0 spreads over the four letters; every letter then ends the name.
    row0 = torch.tensor([0.0, 0.1, 0.2, 0.3, 0.4])
    P = torch.zeros(5, 5)
    P[0] = row0
    P[1:, 0] = 1.0
    itos = {0: ".", 1: "p", 2: "q", 3: "r", 4: "s"}
    n = 2000
    out = bigram.sample_names(P, itos, n, generator=torch.Generator().manual_seed(7))
    check(is_sequence(out, n), f"expected a list (or tuple) of {n} names", f"got {describe(out)[:60]}")
    check(all(isinstance(s, str) and len(s) == 1 for s in out),
          "every name here has one letter (each letter leads straight to '.'), without the dots",
          f"some are {sorted(set(out), key=len)[-1]!r}", hint="stop")
    freq = torch.tensor([out.count(itos[i]) / n for i in range(1, 5)])
    check(len(set(out)) > 1, "the names should vary: the next letter is drawn at random from the row",
          f"all {n} of yours are {out[0]!r}: is it argmax instead of a draw?", hint="draw")
    expect(freq).close_to(row0[1:], atol=0.045,      # about 4 standard errors at n = 2000
                          why="first letters should appear as often as row 0 says (0.1, 0.2, 0.3, 0.4)",
                          hint="draw")


@exercise("bigram.sample_names")
def test_sample_names_lengths(bigram):
    # after 'a': end with probability 0.5, else another 'a' -> mean length 2
    P = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    out = bigram.sample_names(P, {0: ".", 1: "a"}, 1500, generator=torch.Generator().manual_seed(11))
    mean = sum(map(len, out)) / len(out)
    odd = [s for s in out if not s or set(s) - {"a"}]
    check(not odd, "names hold letters only: no '.' at either end, and none empty",
          f"one of yours is {odd[0]!r}" if odd else "", hint="stop")
    expect(mean).close_to(2.0, atol=0.15, why="when 'a' ends a name half the time, names average 2 letters",
                          hint="stop")


@exercise("bigram.sample_names")
def test_sample_names_uses_the_generator(bigram):
    stoi, itos = vocab(WORDS)
    V = len(stoi)
    P = torch.rand(V, V, generator=torch.Generator().manual_seed(0))
    P = P / P.sum(1, keepdim=True)
    a = bigram.sample_names(P, itos, 20, generator=torch.Generator().manual_seed(42))
    torch.rand(5)                       # disturb the global generator in between
    b = bigram.sample_names(P, itos, 20, generator=torch.Generator().manual_seed(42))
    check(a == b, "the same generator seed should give the same names", f"{a[:3]} then {b[:3]}", hint="generator")
    c = bigram.sample_names(P, itos, 20, generator=torch.Generator().manual_seed(43))
    check(a != c, "a different seed should give different names", "yours were identical", hint="generator")


# ---------------------------------------------------------------- bigram_pairs
@exercise("bigram.bigram_pairs")
def test_bigram_pairs_by_hand(bigram):
    stoi, _ = vocab(["ab"])
    xs, ys = bigram.bigram_pairs(["ab"], stoi)
    expect(xs).tensor(shape=(3,), dtype=torch.int64, what="xs for ['ab'] (.a ab b.)", hint="wrap")
    expect(ys).tensor(shape=(3,), dtype=torch.int64, what="ys for ['ab'] (.a ab b.)", hint="wrap")
    expect(xs).equals(torch.tensor([0, 1, 2]), why="inputs of .a ab b.", hint="wrap")
    expect(ys).equals(torch.tensor([1, 2, 0]), why="targets of .a ab b. (the last target is '.')", hint="wrap")


@exercise("bigram.bigram_pairs")
def test_bigram_pairs_other_alphabet(bigram):
    stoi, _ = vocab(WORDS)
    xs, ys = bigram.bigram_pairs(list(WORDS), stoi)
    exs, eys = pairs(WORDS, stoi)
    expect(xs).tensor(shape=exs.shape, dtype=torch.int64, what=f"xs for {WORDS}", hint="wrap")
    expect(xs).equals(exs, why="every input index, in order", hint="wrap")
    expect(ys).equals(eys, why="every target index, in order", hint="wrap")


# ---------------------------------------------------------------- train_neural_bigram
TRUE_P = torch.tensor([[0.0, .2, .3, .5], [.5, .1, .2, .2], [.3, .3, .3, .1], [.6, .2, .1, .1]])


def toy_pairs():
    g = torch.Generator().manual_seed(0)
    xs = torch.arange(4).repeat_interleave(100)
    ys = torch.multinomial(TRUE_P, 100, replacement=True, generator=g).flatten()
    empirical = torch.zeros(4, 4).index_put_((xs, ys), torch.ones(400), accumulate=True)
    return xs, ys, empirical / empirical.sum(1, keepdim=True)


@exercise("bigram.train_neural_bigram")
def test_train_neural_bigram_learns_the_counts(bigram):
    xs, ys, empirical = toy_pairs()
    W = bigram.train_neural_bigram(xs, ys, 4, steps=200, lr=5.0, reg=0.0,
                                   generator=torch.Generator().manual_seed(1))
    expect(W).tensor(shape=(4, 4), what="W for a 4-character vocabulary", hint="loop")
    expect(W.detach().softmax(1)).close_to(empirical, atol=0.02,
                                           why="without regularisation, softmax(W) should learn the bigram "
                                               "frequencies (200 steps, lr 5)", hint="grad")


@exercise("bigram.train_neural_bigram")
def test_train_neural_bigram_minimises_the_regularised_loss(bigram):
    xs, ys, _ = toy_pairs()
    reg = 1.0
    W = bigram.train_neural_bigram(xs, ys, 4, steps=200, lr=5.0, reg=reg,
                                   generator=torch.Generator().manual_seed(2))
    expect(W).tensor(shape=(4, 4), what="W for a 4-character vocabulary", hint="loop")
    W = W.detach().double().clone().requires_grad_(True)      # float32 or float64: both are fine
    loss = F.cross_entropy(F.one_hot(xs, 4).double() @ W, ys) + reg * (W ** 2).mean()
    loss.backward()
    largest = W.grad.abs().max().item()
    check(largest < 0.01, "after training, W should sit at the minimum of mean NLL + reg * (W**2).mean()",
          f"the gradient there is still {largest:.3f}", hint="reg")


@exercise("bigram.train_neural_bigram")
def test_train_neural_bigram_is_reproducible(bigram):
    xs, ys, _ = toy_pairs()
    a = bigram.train_neural_bigram(xs, ys, 4, steps=3, lr=1.0, generator=torch.Generator().manual_seed(5))
    torch.randn(3)
    b = bigram.train_neural_bigram(xs, ys, 4, steps=3, lr=1.0, generator=torch.Generator().manual_seed(5))
    expect(b).close_to(a, why="the same generator seed should give the same W", hint="generator")
    start = bigram.train_neural_bigram(xs, ys, 4, steps=0, generator=torch.Generator().manual_seed(5))
    frozen = bigram.train_neural_bigram(xs, ys, 4, steps=10, lr=0.0, generator=torch.Generator().manual_seed(5))
    expect(frozen).close_to(start, why="with lr=0 the steps must leave W where it started", hint="loop")
    check(not torch.allclose(a, start), "three steps with lr=1 should move W", "yours did not change",
          hint="loop")


# ---------------------------------------------------------------- fixtures
def make_fixtures(solution) -> dict:
    """Expected values on the bundled names, computed by `course fixtures` from solutions/."""
    from course.data import load_words
    words = load_words()
    stoi, _ = solution.build_vocab(words)
    N = solution.count_bigrams(words, stoi)
    cells = {"qu": N[stoi["q"], stoi["u"]].item(), "ab": N[stoi["a"], stoi["b"]].item(),
             ".e": N[0, stoi["e"]].item(), "n.": N[stoi["n"], 0].item()}
    return {
        "total_bigrams": int(N.sum().item()),
        "cells": cells,
        "nll_smoothing_0": round(solution.nll(solution.bigram_probs(N, 0.0), words, stoi), 6),
        "nll_smoothing_1": round(solution.nll(solution.bigram_probs(N, 1.0), words, stoi), 6),
    }
