"""Lecture 2 — the bigram language model.

A bigram model predicts the next character from the current one alone. We build it twice:
first by counting (a V x V table turned into probabilities), then by gradient descent on
one-hot inputs, and see that both arrive at the same model.

Convention used throughout the course: '.' is index 0 and marks both the start and the end
of a name; the other characters follow in sorted order. Nothing here assumes 27 characters.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def build_vocab(words: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    """Map every character of `words` to an index, and back.

    '.' gets index 0; the other characters, sorted, get 1, 2, ... Returns (stoi, itos), two
    dicts, as a sequence: list or tuple. Only the indices count, not the order in which the keys
    went in (stoi['.'] = 0 may be set last). '.' may also occur inside the words: it still gets
    index 0 alone, and the indices stay 0 .. V-1 with none skipped.

    >>> stoi, itos = build_vocab(["ba", "ab"])
    >>> stoi
    {'.': 0, 'a': 1, 'b': 2}
    >>> itos[2]
    'b'
    """
    # TODO (bigram.build_vocab): give every character of the words an index, both ways: '.' first (0), the rest sorted.
    raise NotImplementedError("bigram.build_vocab is not started yet; hints: course.toml, or `course hint build_vocab`")


def count_bigrams(words: list[str], stoi: dict[str, int]) -> torch.Tensor:
    """Count every bigram of `words`, with '.' marking both the start and the end of a word.

    Returns an int64 tensor N of shape (V, V), V = len(stoi), where N[i, j] is how often
    character j follows character i.

    >>> stoi, _ = build_vocab(["ab"])
    >>> count_bigrams(["ab"], stoi).tolist()      # .a  ab  b.
    [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    """
    # TODO (bigram.count_bigrams): count how often each character follows each other one, a word's start and end included.
    raise NotImplementedError("bigram.count_bigrams is not started yet; hints: course.toml, or `course hint count_bigrams`")


def bigram_probs(counts: torch.Tensor, smoothing: float = 1.0) -> torch.Tensor:
    """Turn counts into next-character probabilities, one distribution per row.

    Adds `smoothing` to every count ("fake counts", so no bigram has probability 0), then
    divides each row by its own total. Returns float32 P of shape (V, V); every row sums to 1.

    >>> P = bigram_probs(torch.tensor([[0, 3], [1, 1]]), smoothing=1.0)
    >>> P
    tensor([[0.2000, 0.8000],
            [0.5000, 0.5000]])
    """
    # TODO (bigram.bigram_probs): turn each row of (smoothed) counts into a distribution over the next character.
    raise NotImplementedError("bigram.bigram_probs is not started yet; hints: course.toml, or `course hint bigram_probs`")


def nll(probs: torch.Tensor, words: list[str], stoi: dict[str, int]) -> float:
    """Average negative log-likelihood of `words` under the bigram model `probs`.

    Every bigram counts, the start ('.', first letter) and the end (last letter, '.')
    included. Lower is better; a model that guesses uniformly scores log(V). Returns a number:
    float or 0-d tensor (without a graph).

    >>> stoi, _ = build_vocab(["ab"])
    >>> P = torch.full((3, 3), 1 / 3)
    >>> round(nll(P, ["ab"], stoi), 4)            # log(3)
    1.0986
    """
    # TODO (bigram.nll): how surprised the model is, on average, by every bigram of the words (ends included).
    raise NotImplementedError("bigram.nll is not started yet; hints: course.toml, or `course hint nll`")


def sample_names(probs: torch.Tensor, itos: dict[int, str], n: int,
                 generator: torch.Generator | None = None) -> list[str]:
    """Sample `n` names from the bigram model.

    Each name starts at '.', draws the next character from the current character's row of
    `probs`, and stops when it draws '.'. Returns the names without the dots, as a sequence:
    list or tuple. With the same `generator` state the result is the same.

    >>> P = torch.tensor([[0.0, 1.0], [1.0, 0.0]])   # '.' -> 'a' -> '.', always
    >>> sample_names(P, {0: '.', 1: 'a'}, 2)
    ['a', 'a']
    """
    # TODO (bigram.sample_names): generate n names, drawing one character after another until the model draws the end.
    raise NotImplementedError("bigram.sample_names is not started yet; hints: course.toml, or `course hint sample_names`")


def bigram_pairs(words: list[str], stoi: dict[str, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Every bigram of `words` as a training pair: input index xs[k], target index ys[k].

    Start and end included, in the order they appear. Both are int64 tensors of shape (N,);
    the pair is a sequence: list or tuple.

    >>> stoi, _ = build_vocab(["ab"])
    >>> xs, ys = bigram_pairs(["ab"], stoi)
    >>> xs.tolist(), ys.tolist()
    ([0, 1, 2], [1, 2, 0])
    """
    # TODO (bigram.bigram_pairs): the (current, next) index pair of every bigram of the words, start and end included.
    raise NotImplementedError("bigram.bigram_pairs is not started yet; hints: course.toml, or `course hint bigram_pairs`")


def train_neural_bigram(xs: torch.Tensor, ys: torch.Tensor, vocab_size: int, steps: int = 100,
                        lr: float = 50.0, reg: float = 0.01,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """Learn the bigram model by gradient descent instead of counting.

    A single linear layer: logits = one_hot(xs) @ W, probabilities = softmax(logits).
    Loss = mean negative log-likelihood of ys + reg * (W**2).mean(); the regulariser pulls
    W towards 0, i.e. towards uniform rows, like smoothing does for counts. Full-batch
    gradient descent for `steps` steps with learning rate `lr`, W initialised from N(0, 1)
    with `generator`. Returns W of shape (V, V), a float tensor (float32, or float64 if you
    compute in it; still requiring grad or detached: either is fine); softmax(W, dim=1)
    approaches bigram_probs. Any way of taking the steps will do (by
    hand, torch.optim.SGD, torch.func) as long as each is a plain gradient-descent step.

    >>> xs, ys = torch.tensor([0, 1]), torch.tensor([1, 0])
    >>> W = train_neural_bigram(xs, ys, vocab_size=2, steps=50, lr=10.0, reg=0.0)
    >>> W.softmax(dim=1).diagonal().max().item() < 0.01   # '.' -> 'a' and 'a' -> '.' learned
    True
    """
    # TODO (bigram.train_neural_bigram): learn W by full-batch gradient descent on the regularised loss of the docstring;
    #       return it.
    raise NotImplementedError("bigram.train_neural_bigram is not started yet; hints: course.toml, or `course hint train_neural_bigram`")
