"""Hidden graders for lecture 2: the same contracts as autograder/test_bigram.py, on inputs the
learner never saw (other alphabets and sizes, random words, other seeds), so that an answer
written for the public checks' numbers fails here.

Instructors only: `course release` leaves autograder/hidden/ out; `course grade` and the
Gradescope bundle run these with the public graders. Messages say what went wrong, never the
inputs' source.
"""
import math
import random
import sys
from pathlib import Path

import torch

from course.grading.judge.api import check, describe, exercise, expect, is_sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the public graders, whose helpers serve here too
from test_bigram import pairs, vocab  # noqa: E402

ALPHABET = "ßçñøåéüqkw"                  # no a-z run, non-ASCII, V = 11


def words_from(seed: int, alphabet: str = ALPHABET, n: int = 60) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(n)]


@exercise("bigram.build_vocab")
def test_hidden_build_vocab_other_alphabet(bigram):
    words = words_from(101)
    stoi, itos = bigram.build_vocab(list(words))
    expected, _ = vocab(words)
    expect(stoi).equals(expected, why=f"a vocabulary of {len(expected)} characters: '.' first, then sorted",
                        hint="order")
    expect(itos).equals({i: c for c, i in expected.items()}, why="itos should invert stoi", hint="both")


@exercise("bigram.count_bigrams")
def test_hidden_count_bigrams_random_words(bigram):
    words = words_from(202)
    stoi, _ = vocab(words)
    V = len(stoi)
    N = bigram.count_bigrams(list(words), stoi)
    expect(N).tensor(shape=(V, V), dtype=torch.int64, what=f"the counts for a {V}-character vocabulary",
                     hint="size")
    xs, ys = pairs(words, stoi)
    expected = torch.zeros((V, V), dtype=torch.int64).index_put_((xs, ys), torch.ones_like(xs), accumulate=True)
    expect(N).equals(expected, why=f"the bigram counts of {len(words)} random words", hint="pairs")


@exercise("bigram.bigram_probs")
def test_hidden_bigram_probs_random_counts(bigram):
    g = torch.Generator().manual_seed(303)
    counts = torch.randint(0, 50, (9, 9), generator=g)
    counts[3] = 0                                   # an all-zero row: smoothing alone fills it
    for smoothing in (0.5, 3.0):
        P = bigram.bigram_probs(counts.clone(), smoothing=smoothing)
        expect(P).tensor(shape=(9, 9), dtype=torch.float32, what="P", hint="float")
        full = counts.double() + smoothing
        expect(P).close_to(full / full.sum(1, keepdim=True),
                           why=f"(counts + {smoothing}) normalised per row, on a 9 x 9 table", hint="keepdim")


@exercise("bigram.nll")
def test_hidden_nll_random_model(bigram):
    words = words_from(404, n=40)
    stoi, _ = vocab(words)
    V = len(stoi)
    P = torch.rand((V, V), generator=torch.Generator().manual_seed(405)) + 0.05
    P = P / P.sum(1, keepdim=True)
    xs, ys = pairs(words, stoi)
    expected = -P[xs, ys].double().log().mean().item()
    value = bigram.nll(P, list(words), stoi)
    try:
        value = float(value)
    except (TypeError, ValueError):
        check(False, "nll should return a number", f"got {describe(value)}", hint="mean")
    expect(value).close_to(expected, atol=1e-4, why=f"the mean NLL of {len(xs)} bigrams under a random model",
                           hint="every")
    check(math.isfinite(value), "the NLL should be finite", hint="sign")


@exercise("bigram.sample_names")
def test_hidden_sample_names_other_chain(bigram):
    # '.' -> 'k' or 'w' (1/4, 3/4); 'k' -> 'w'; 'w' -> '.'
    P = torch.tensor([[0.0, 0.25, 0.75], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    itos = {0: ".", 1: "k", 2: "w"}
    n = 2000
    out = bigram.sample_names(P, itos, n, generator=torch.Generator().manual_seed(2024))
    check(is_sequence(out, n), f"expected a list (or tuple) of {n} names", f"got {describe(out)[:60]}")
    odd = sorted(set(out) - {"kw", "w"})
    check(not odd, "this chain only makes the names 'kw' and 'w'", f"yours include {odd[:3]}", hint="stop")
    share = out.count("kw") / n
    expect(share).close_to(0.25, atol=0.04, why="'kw' should start a quarter of the names", hint="draw")


@exercise("bigram.bigram_pairs")
def test_hidden_bigram_pairs_random_words(bigram):
    words = words_from(606)
    stoi, _ = vocab(words)
    xs, ys = bigram.bigram_pairs(list(words), stoi)
    exs, eys = pairs(words, stoi)
    expect(xs).tensor(shape=exs.shape, dtype=torch.int64, what=f"xs for {len(words)} random words", hint="wrap")
    expect(xs).equals(exs, why="every input index, in order", hint="wrap")
    expect(ys).equals(eys, why="every target index, in order", hint="wrap")


@exercise("bigram.train_neural_bigram")
def test_hidden_train_neural_bigram_five_characters(bigram):
    g = torch.Generator().manual_seed(707)
    true_p = torch.softmax(torch.randn(5, 5, generator=g) * 1.5, dim=1)
    xs = torch.arange(5).repeat_interleave(120)
    ys = torch.multinomial(true_p, 120, replacement=True, generator=g).flatten()
    counts = torch.zeros(5, 5).index_put_((xs, ys), torch.ones(len(xs)), accumulate=True)
    empirical = counts / counts.sum(1, keepdim=True)
    W = bigram.train_neural_bigram(xs, ys, 5, steps=300, lr=5.0, reg=0.0,
                                   generator=torch.Generator().manual_seed(708))
    expect(W).tensor(shape=(5, 5), what="W for a 5-character vocabulary", hint="loop")
    expect(W.detach().softmax(1)).close_to(empirical, atol=0.03,
                                           why="softmax(W) should learn the bigram frequencies of a "
                                               "5-character vocabulary", hint="grad")
