"""Lecture 3 — the MLP language model (Bengio et al. 2003).

The bigram model sees one character; this one sees the last `block_size` characters. Each
character is looked up in a learned embedding table C (a few numbers per character), the
embeddings of the context are concatenated, and a tanh hidden layer turns them into logits
for the next character:

    X (N, block_size) --C[X]--> (N, block_size, d) --concat--> (N, block_size*d)
      --@ W1 + b1, tanh--> (N, n_hidden) --@ W2 + b2--> logits (N, V)

We train it with minibatch SGD on the training split, pick settings on the dev split, and
keep the test split for the very end.

Convention used throughout the course: '.' is index 0 and marks both the start and the end
of a name; the other characters follow in sorted order. Nothing here assumes 27 characters.
"""
from __future__ import annotations

import random
from typing import Callable

import torch


def split_words(words: list[str], seed: int = 42) -> tuple[list[str], list[str], list[str]]:
    """Shuffle a copy of `words` with random.Random(seed) and cut it 80% / 10% / 10%.

    The order is exactly that of random.Random(seed).shuffle on a copy (the lecture's split;
    random.Random(seed).sample draws another order). Returns (train, dev, test), cut at
    int(0.8 * n) and int(0.9 * n): a sequence (list or tuple) of three sequences of words (lists
    or tuples). The caller's list is left as it was; the same seed always gives the same split.

    >>> train, dev, test = split_words([f"w{i}" for i in range(10)], seed=1)
    >>> len(train), len(dev), len(test)
    (8, 1, 1)
    >>> sorted(train + dev + test) == sorted(f"w{i}" for i in range(10))
    True
    """
    # TODO (mlp.split_words): a reproducible 80/10/10 split of a shuffled copy of the words (the caller's list untouched).
    raise NotImplementedError("mlp.split_words is not started yet; hints: course.toml, or `course hint split_words`")


def build_dataset(words: list[str], stoi: dict[str, int],
                  block_size: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (context, next character) pair of `words`, for a model that sees `block_size` characters.

    Each word starts from a context of `block_size` zeros ('.'), so the padding is at the
    start; after each character the context slides left by one. The last target of every word
    is '.' (index 0). Returns X int64 (N, block_size) and Y int64 (N,), N = sum(len(w) + 1);
    the pair is a sequence: list or tuple.

    >>> stoi = {'.': 0, 'a': 1, 'e': 5, 'm': 13}
    >>> X, Y = build_dataset(["emma"], stoi)
    >>> X.tolist()
    [[0, 0, 0], [0, 0, 5], [0, 5, 13], [5, 13, 13], [13, 13, 1]]
    >>> Y.tolist()
    [5, 13, 13, 1, 0]
    """
    # TODO (mlp.build_dataset): every (context, next character) pair of every word, each word starting from an empty
    #       context.
    raise NotImplementedError("mlp.build_dataset is not started yet; hints: course.toml, or `course hint build_dataset`")


def embed(C: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Look up the embedding of every character of every context, and concatenate them per example.

    C is (V, d), X is (N, block_size); C[X] is (N, block_size, d), and each example's
    block_size embeddings are laid end to end: the result is (N, block_size * d), first the
    oldest character's d numbers, then the next one's.

    >>> C = torch.tensor([[0., 1.], [2., 3.], [4., 5.]])      # V = 3, d = 2
    >>> embed(C, torch.tensor([[0, 2], [1, 1]]))
    tensor([[0., 1., 4., 5.],
            [2., 3., 2., 3.]])
    """
    # TODO (mlp.embed): each example's block_size embeddings, laid end to end, oldest first.
    raise NotImplementedError("mlp.embed is not started yet; hints: course.toml, or `course hint embed`")


def init_params(vocab_size: int, block_size: int = 3, n_embd: int = 10, n_hidden: int = 200,
                generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The parameters of the MLP, drawn from N(0, 1) as in the lecture, each with requires_grad.

    C (V, n_embd), W1 (block_size * n_embd, n_hidden), b1 (n_hidden,), W2 (n_hidden, V),
    b2 (V,): float32 leaf tensors, so that loss.backward() fills their .grad. The same
    `generator` state gives the same parameters.

    >>> p = init_params(27)
    >>> {k: tuple(v.shape) for k, v in p.items()}
    {'C': (27, 10), 'W1': (30, 200), 'b1': (200,), 'W2': (200, 27), 'b2': (27,)}
    >>> sum(v.numel() for v in p.values())
    11897
    """
    # TODO (mlp.init_params): the five tensors of the docstring, N(0, 1), reproducible, trainable leaves.
    raise NotImplementedError("mlp.init_params is not started yet; hints: course.toml, or `course hint init_params`")


def forward(params: dict[str, torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """The logits of the next character for every context of X: (N, V).

    Lecture 3's network: the embeddings of each context laid end to end (embed), a hidden layer
    (W1, b1) through tanh, then the output layer (W2, b2), which is linear: one logit per
    character, no softmax.

    >>> p = init_params(5, block_size=2, n_embd=3, n_hidden=4)
    >>> forward(p, torch.zeros((7, 2), dtype=torch.int64)).shape
    torch.Size([7, 5])
    """
    # TODO (mlp.forward): the logits the model gives every context (the docstring's formula).
    raise NotImplementedError("mlp.forward is not started yet; hints: course.toml, or `course hint forward`")


def cross_entropy(logits: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Mean negative log-probability of the targets Y under softmax(logits), written by hand.

    The same number as F.cross_entropy(logits, Y), and finite even for logits of 1e4:
    subtracting each row's maximum first changes nothing mathematically (softmax is
    shift-invariant) but keeps exp() from overflowing.

    >>> logits = torch.tensor([[1e4, 0.0], [0.0, 0.0]])
    >>> cross_entropy(logits, torch.tensor([0, 1]))          # (0 + log 2) / 2
    tensor(0.3466)
    """
    # TODO (mlp.cross_entropy): the mean negative log-probability of each row's target, finite even for huge logits.
    # The max is a constant shift: detach it, the result (and its gradient) do not depend on it.
    raise NotImplementedError("mlp.cross_entropy is not started yet; hints: course.toml, or `course hint cross_entropy`")


def train(params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor, steps: int,
          batch_size: int = 32, lr: float | Callable[[int], float] = 0.1,
          generator: torch.Generator | None = None) -> list[float]:
    """Minibatch SGD on (X, Y), in place on `params`; returns the loss of every step.

    Each step draws `batch_size` random rows (with `generator`), computes the cross-entropy
    of forward(params, X[ix]) against Y[ix], and moves every parameter by -lr * its gradient.
    `lr` is a number, or a function step -> learning rate (step counts from 0), for schedules
    such as "0.1, then 0.01 from half way" (a scheduler that also asks about step `steps` is
    fine). The loss returned for a step is the one computed before that step's update; the losses
    are a sequence (list or tuple) of numbers, each a float or a 0-d tensor (without a graph).
    torch.optim.SGD (with torch.optim.lr_scheduler.LambdaLR for a schedule) takes the same steps.

    >>> X, Y = torch.zeros((4, 2), dtype=torch.int64), torch.tensor([1, 1, 1, 1])
    >>> p = init_params(3, block_size=2, n_embd=2, n_hidden=8, generator=torch.Generator().manual_seed(0))
    >>> losses = train(p, X, Y, steps=100, batch_size=2, lr=0.5)
    >>> len(losses), losses[-1] < losses[0]
    (100, True)
    """
    # TODO (mlp.train): `steps` steps of minibatch SGD on the dict's own tensors; return each step's loss.
    # Drawing every step's minibatch at once is cheaper than one small draw per step.
    raise NotImplementedError("mlp.train is not started yet; hints: course.toml, or `course hint train`")


def evaluate(params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor) -> float:
    """The mean cross-entropy of the whole (X, Y), without building a graph.

    Returns a number: float or 0-d tensor (without a graph).

    Under torch.no_grad() autograd records nothing, so evaluating a large split costs no
    memory for a backward pass that will never happen.

    >>> shapes = init_params(4, block_size=1, n_embd=2, n_hidden=3)
    >>> p = {k: torch.zeros_like(v) for k, v in shapes.items()}    # all logits 0: uniform over 4
    >>> round(evaluate(p, torch.zeros((5, 1), dtype=torch.int64), torch.tensor([0, 1, 2, 3, 0])), 4)
    1.3863
    """
    # TODO (mlp.evaluate): the mean loss over the whole split, without recording a graph.
    raise NotImplementedError("mlp.evaluate is not started yet; hints: course.toml, or `course hint evaluate`")
