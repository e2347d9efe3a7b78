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
    ### BEGIN SOLUTION
    # TODO: train one step at each learning rate in turn, and keep every step's loss.
    losses = []
    for lr in lrs:
        # one step of the learner's own training loop, at this step's rate
        losses += mlp.train(params, X, Y, steps=1, batch_size=batch_size, lr=float(lr), generator=generator)
    return [float(loss) for loss in losses]
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    # TODO: smooth the losses, find where the smoothed curve is lowest, return that learning rate.
    losses = torch.as_tensor([float(v) for v in losses])
    window = max(1, min(int(window), len(losses)))
    # a centred running mean: each loss with its neighbours, fewer at the two ends
    kernel = torch.ones(1, 1, window)
    padded = torch.nn.functional.pad(losses.view(1, 1, -1), (window // 2, (window - 1) // 2))
    counts = torch.nn.functional.pad(torch.ones(1, 1, len(losses)), (window // 2, (window - 1) // 2))
    smooth = torch.nn.functional.conv1d(padded, kernel) / torch.nn.functional.conv1d(counts, kernel)
    return float(lrs[int(smooth.view(-1).argmin())])
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    # TODO: full-batch gradient descent on this one batch, recording each step's loss.
    losses = []
    for _ in range(steps):
        loss = mlp.cross_entropy(mlp.forward(params, X), Y)
        for p in params.values():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    # TODO: build the training set, make and train your MLP, return its parameters.
    block_size, n_embd, n_hidden = 3, 16, 300
    steps, batch_size = 6500, 256
    X, Y = mlp.build_dataset(train_words, stoi, block_size=block_size)
    params = mlp.init_params(len(stoi), block_size, n_embd=n_embd, n_hidden=n_hidden, generator=generator)
    with torch.no_grad():
        # a calmer start (lecture 4's first fix): small output logits, a loss near -log(1/V)
        params["W2"] *= 0.1
        params["b2"] *= 0
    # batches of 256 give a steadier gradient than 32, so a higher rate and ~30x fewer steps
    # than the lecture's 200,000; the rate drops tenfold for the last 30 %
    mlp.train(params, X, Y, steps=steps, batch_size=batch_size,
              lr=lambda step: 0.5 if step < 0.7 * steps else 0.05, generator=generator)
    return params
    ### END SOLUTION
