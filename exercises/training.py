"""Lecture 4 — the training loop with the diagnostics built in, and the experiments' set-ups.

"Type along. Build the diagnostics into your training loop": the lecture's point is to look at
activations, gradients and update-to-data ratios *during* training, not only after a run went
wrong. Here you write the three pieces that `course experiments` (and notebook 04) run:

- `diagnose`: one step's forward and backward pass that also measures the network, with your
  diagnostics.py (activation_stats, gradient_stats, update_to_data);
- `train_with_diagnostics`: lecture 4's SGD loop on a `(C, layers)` network, which takes every
  `every`-th step through `diagnose` and keeps what it measured;
- `configure`: the networks and learning rates of the lecture's experiments, by name.

A network ("model") is the pair `(C, layers)` that layers.deep_mlp returns: the embedding table
C of shape (V, n_embd), and a list of layers, each callable on a batch and with a parameters()
method (your Linear, BatchNorm1d and Tanh, or torch.nn's own). Its logits for contexts X of
shape (N, block_size) are those of `forward` below; its trainable tensors are `parameters`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from diagnostics import activation_stats, gradient_stats, update_to_data
from layers import Linear, deep_mlp

LR = 0.5            # the experiments' learning rate (see README: the lecture's 0.1 is timid for short runs)
BAD_GAIN = 0.2      # the lecture's "bad gain" with BatchNorm
LOW_LR_FACTOR = 100  # "low_lr" trains at lr / 100: two decades lower on the update-to-data plot
EXPERIMENTS = ("normal", "kaiming", "batchnorm", "bad_gain", "low_lr")      # the deep network's runs
LOSS_LOG = ("normal", "softmax_fix", "tanh_fix", "kaiming", "batchnorm")    # the 2-layer net's loss log


def forward(model, X: torch.Tensor) -> torch.Tensor:
    """The logits (N, V) of `model` = (C, layers) for contexts X (N, block_size)."""
    C, layers = model
    x = C[X].view(X.shape[0], -1)          # the embeddings of each context, end to end
    for layer in layers:
        x = layer(x)
    return x


def parameters(model) -> list[torch.Tensor]:
    """Every trainable tensor of `model` = (C, layers), in order: C, then each layer's parameters()."""
    C, layers = model
    return [C] + [p for layer in layers for p in layer.parameters()]


def is_tanh(layer) -> bool:
    """A tanh layer is one whose class is named Tanh: your layers.Tanh, or torch.nn.Tanh."""
    return type(layer).__name__ == "Tanh"


def diagnose(model, X: torch.Tensor, Y: torch.Tensor, step: int, lr: float) -> dict:
    """One training step's forward and backward pass on the batch X, Y, measured as lecture 4
    measures a network (the seed's `log_diagnostics(model, x, y, step)`). Returns one entry of
    the diagnostic log:

        {"step": step,
         "loss": the cross-entropy of forward(model, X) against Y, a number,
         "activations": [activation_stats(t) of the output t of every tanh layer on X, in order],
         "gradients": [{"mean", "std", "grad_to_data"} of every tensor of parameters(model), in order],
         "update_to_data": update_to_data(parameters(model), lr)}

    What it measures is this pass: the gradients are cleared first (p.grad = None), so they are
    d loss / d p of this batch alone, and they stay in every p.grad afterwards, so that a training
    loop can take its update from them. It changes no parameter. A tanh layer is one whose class
    is named Tanh (layers.Tanh or torch.nn.Tanh); the layers may be torch.nn's, which keep no
    `.out`, so take each tanh output as the forward pass computes it. The numbers may be floats or
    0-d tensors without a graph (what your diagnostics return).

    >>> import torch.nn as nn
    >>> model = (torch.randn(5, 2), [nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 5)])
    >>> _ = model[0].requires_grad_()
    >>> entry = diagnose(model, torch.tensor([[0, 1, 2], [3, 4, 0]]), torch.tensor([1, 4]), step=0, lr=0.1)
    >>> entry["step"], len(entry["activations"]), len(entry["gradients"]), len(entry["update_to_data"])
    (0, 1, 5, 5)
    """
    # TODO (training.diagnose): clear the gradients, run the forward pass layer by layer (keeping every tanh output),
    #       the loss and its backward pass; then measure them with your diagnostics.py.
    raise NotImplementedError("training.diagnose is not started yet; hints: course.toml, or `course hint diagnose`")


def train_with_diagnostics(model, X: torch.Tensor, Y: torch.Tensor, steps: int, lr: float = LR,
                           batch_size: int = 32, every: int = 100,
                           generator: torch.Generator | None = None) -> tuple[list[float], list[dict]]:
    """Lecture 4's training loop, with the diagnostics built in: `steps` steps of minibatch SGD on
    `model` = (C, layers), in place. Returns (losses, log).

    Each step draws a minibatch Xb, Yb of `batch_size` rows of X, Y with
    torch.randint(0, len(X), (batch_size,), generator=generator), computes the loss of
    forward(model, Xb) against Yb (F.cross_entropy), clears every gradient, runs backward, and
    updates every tensor of parameters(model): p -= lr * p.grad. On steps 0, every, 2 * every, …
    the forward and backward pass is `diagnose(model, Xb, Yb, step, lr)` instead, and its entry
    goes into the log, measured before that step's update (so its update_to_data is the update the
    step then makes). `losses` holds one number per step, the step's loss before its update (the
    entry's "loss" on a logged step). The layers stay in the mode they are in (training mode for
    BatchNorm, as the network comes from deep_mlp).

    >>> import torch.nn as nn
    >>> C = torch.randn(5, 2, requires_grad=True)
    >>> X, Y = torch.randint(0, 5, (50, 3)), torch.randint(0, 5, (50,))
    >>> losses, log = train_with_diagnostics((C, [nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 5)]), X, Y,
    ...                                      steps=25, lr=0.1, batch_size=8, every=10)
    >>> len(losses), [entry["step"] for entry in log]
    (25, [0, 10, 20])
    """
    # TODO (training.train_with_diagnostics): the lecture's loop (minibatch, forward, loss, clear the gradients, backward, update),
    #       with every `every`-th step's forward and backward done by diagnose, its entry kept.
    raise NotImplementedError("training.train_with_diagnostics is not started yet; hints: course.toml, or `course hint train_with_diagnostics`")


def configure(name: str, vocab_size: int, lr: float = LR, block_size: int = 3, n_embd: int = 10,
              n_hidden: int = 100, n_layers: int = 5,
              generator: torch.Generator | None = None) -> tuple[tuple[torch.Tensor, list], float]:
    """The network and learning rate of one of lecture 4's runs: ((C, layers), lr).

    Every network is built by your layers.deep_mlp with these sizes (C from N(0, 1); the layers
    [Linear, (BatchNorm1d,) Tanh] * n_layers, then Linear (and BatchNorm1d)), then changed as
    named; the returned lr is `lr` unless said otherwise:

    - "normal": without BatchNorm; every Linear's weight drawn from N(0, 1), biases 0 (the
      lecture's first, saturated network; with n_layers=1 it is lecture 3's MLP);
    - "softmax_fix": "normal", with the last Linear's weight then multiplied by 0.01 (the
      lecture's W2 * 0.01, b2 = 0: the first logits near 0, the first loss near ln V);
    - "tanh_fix": "softmax_fix", with the other Linears' weights drawn with std 1 / sqrt(fan_in)
      instead (the lecture's W1 * 0.2 for fan_in 30: pre-activations of std about 1);
    - "kaiming": deep_mlp without BatchNorm, as it is (gain 5/3, the last weight * 0.1);
    - "batchnorm": deep_mlp with BatchNorm, as it is;
    - "bad_gain": deep_mlp with BatchNorm and gain BAD_GAIN (0.2) instead of 5/3;
    - "low_lr": "batchnorm", with the learning rate lr / LOW_LR_FACTOR (lr / 100).

    Any other name raises ValueError. C and every layer's parameters require grad (deep_mlp's do).
    The same generator seed gives the same network.

    >>> (C, layers), lr = configure("low_lr", 27, generator=torch.Generator().manual_seed(0))
    >>> [type(layer).__name__ for layer in layers[:3]], lr
    (['Linear', 'BatchNorm1d', 'Tanh'], 0.005)
    """
    # TODO (training.configure): build each named network with your deep_mlp, then change what the name says.
    raise NotImplementedError("training.configure is not started yet; hints: course.toml, or `course hint configure`")

