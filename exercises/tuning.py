"""Lecture 3 — choosing the learning rate, and the first sanity check of any training loop.

Two habits from the lecture, on the MLP of mlp.py:

- **The learning-rate finder.** Try a range of learning rates, exponentially spaced (say
  10^-3 to 10^0), one training step each, in increasing order, and record the loss of every
  step. Plotted against log10 of the rate, the loss falls while the rate is useful, flattens,
  then rises as the steps become too large: a good rate sits in the valley, before the rise.
- **Overfitting a single batch.** A network with thousands of parameters can memorise 32
  examples. If the loss of a small batch, trained on alone, does not head towards 0, the bug
  is in the model, the loss or the update, not in the data or the schedule.

Both train with the learner's own `mlp.train` and `mlp.cross_entropy` (from mlp.py beside
this file).
"""
from __future__ import annotations

import torch

import mlp


def lr_finder(params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor, lrs,
              batch_size: int = 32, generator: torch.Generator | None = None) -> list[float]:
    """One minibatch SGD step per learning rate of `lrs`, in their order, on `params` (in place).

    `lrs` are the learning rates themselves (not their exponents). Each step draws a fresh
    minibatch, as mlp.train draws them, with `generator`. Returns the loss of each step (the
    plain cross-entropy), computed before that step's update, as floats: the curve to plot
    against log10(lrs).

    >>> p = mlp.init_params(5, 2, n_embd=3, n_hidden=8, generator=torch.Generator().manual_seed(0))
    >>> X, Y = torch.zeros(4, 2, dtype=torch.int64), torch.ones(4, dtype=torch.int64)
    >>> len(lr_finder(p, X, Y, 10 ** torch.linspace(-3, 0, 6), batch_size=2))
    6
    """
    # TODO (tuning.lr_finder): train one step at each learning rate in turn, and keep every step's loss.
    raise NotImplementedError("tuning.lr_finder is not started yet; hints: course.toml, or `course hint lr_finder`")


def pick_lr(lrs, losses, window: int = 50) -> float:
    """The learning rate at the bottom of the finder's valley.

    The losses of single minibatches are noisy, so first smooth them with a centred running
    mean: the smoothed loss at position i is the mean of the `window` consecutive losses centred
    on i, losses[i - window // 2 : i - window // 2 + window] (fewer at the two ends, where that
    run leaves the list). A window that starts (or ends) at i would shift the valley by half a
    window. Return, as a float, the learning rate at which the smoothed loss is lowest. `lrs`
    and `losses` are sequences of the same length.

    >>> pick_lr([0.001, 0.01, 0.1, 1.0], [3.0, 2.5, 2.2, 9.0], window=1)
    0.1
    """
    # TODO (tuning.pick_lr): smooth the losses, find where the smoothed curve is lowest, return that learning rate.
    raise NotImplementedError("tuning.pick_lr is not started yet; hints: course.toml, or `course hint pick_lr`")


def overfit_batch(params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor, steps: int = 300,
                  lr: float = 0.1) -> list[float]:
    """Train `params` (in place) on the whole of the small batch X, Y, again and again: `steps`
    steps of full-batch gradient descent at learning rate `lr`. Returns the loss of each step
    (the plain cross-entropy of mlp.cross_entropy, no regularisation term), computed before its
    update, as floats. A healthy model and loop drive it towards 0 (or to
    the floor that contexts with several possible next characters leave).

    >>> p = mlp.init_params(5, 2, n_embd=3, n_hidden=16, generator=torch.Generator().manual_seed(0))
    >>> X, Y = torch.tensor([[0, 0], [0, 1], [1, 2]]), torch.tensor([1, 2, 0])
    >>> losses = overfit_batch(p, X, Y, steps=200)
    >>> losses[-1] < losses[0] / 4
    True
    """
    # TODO (tuning.overfit_batch): full-batch gradient descent on this one batch, recording each step's loss.
    raise NotImplementedError("tuning.overfit_batch is not started yet; hints: course.toml, or `course hint overfit_batch`")


def beat_217(train_words: list[str], stoi: dict[str, int],
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Lecture 3's challenge: train your own MLP until its dev loss is below 2.17.

    Karpathy ends lecture 3 at a dev loss of about 2.17 and invites you to beat it. Build the
    training set from `train_words` (the bundled names' training split) with your
    mlp.build_dataset, with the vocabulary `stoi`; make the parameters with your
    mlp.init_params and train them with your mlp.train (or any loop of your own). The choices
    are yours: block_size, n_embd, n_hidden, the number of steps, the batch size, the
    learning-rate schedule. Draw every random number from `generator`.

    Return the trained parameters, the dict C, W1, b1, W2, b2 of mlp.forward (float32 tensors,
    with or without a graph, shaped as mlp.init_params makes them; block_size 1 to 16 and at
    most 1,000,000 numbers in all).

    The grader does not call this function: it grades the model you saved. `course challenge`
    (or notebook 03's challenge cell) calls it with a generator seeded 2017 and saves what it
    returns as beat_217.pt beside this file. The grader computes that model's loss itself, as
    mlp.forward defines the model, with block_size = W1.shape[0] // C.shape[1], on words your
    training never sees: the dev split of the bundled names (mlp.split_words(names,
    seed=42)[1]), and, in the hidden tier, the test split. Each must be below 2.17. Train as
    long as you like (the reference trains for about 7 s); save again after you change it.

    The docstring's example is the shape of the answer, not the challenge (a tiny model, a
    few steps):

    >>> stoi = {ch: i for i, ch in enumerate(".abc")}
    >>> p = beat_217(["abc", "cab", "ba"], stoi, generator=torch.Generator().manual_seed(0))
    >>> sorted(p)
    ['C', 'W1', 'W2', 'b1', 'b2']
    """
    # TODO (tuning.beat_217): build the training set, make and train your MLP, return its parameters.
    raise NotImplementedError("tuning.beat_217 is not started yet; hints: course.toml, or `course hint beat_217`")
