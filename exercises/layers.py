"""Lecture 4 — fixing the initialisation, then PyTorch-ifying the network.

The lecture opens on the MLP of lecture 3 and finds two things wrong before any training:
the loss at step 0 is far above -ln(1/V), because the output layer's logits are large and
confidently wrong; and most tanh units sit on their flat tails, where no gradient passes.
`fixed_init_params` is that MLP with both fixed.

Then the lecture writes the network the way torch.nn does: layers as small objects with
`__call__` and `parameters()`, and the network as a list of them:

    C: (V, n_embd) embedding table, looked up and flattened to (N, block_size * n_embd)
    [Linear -> BatchNorm1d -> Tanh] * n_layers -> Linear -> BatchNorm1d   (logits: (N, V))

Weights are stored as (fan_in, fan_out) and used as x @ W, the course's convention (torch's
nn.Linear stores the transpose). Every layer keeps its latest output in `self.out`, so a
diagnostic can look at it afterwards, as in the lecture.
"""
from __future__ import annotations

import torch

from batchnorm import BatchNorm1d


def fixed_init_params(vocab_size: int, block_size: int = 3, n_embd: int = 10, n_hidden: int = 200,
                      generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The parameters of lecture 3's MLP (same keys and shapes as mlp.init_params), scaled so
    that the network starts unsure and unsaturated.

    Returns {"C", "W1", "b1", "W2", "b2"}: float32 tensors, each a leaf that requires grad (scale
    first, then make it trainable). For the forward pass tanh(C[X] flattened @ W1 + b1) @ W2 + b2,
    on a batch of random contexts:
    - the loss at step 0 is within 0.1 of -ln(1/V) = ln V (logits near 0: every character about
      equally likely);
    - W2 is small but not all zero: with W2 = 0 no gradient reaches the hidden layer at the first
      step;
    - fewer than a third of the hidden units are saturated (|h| > 0.97) (the lecture's Kaiming
      init for tanh saturates about a fifth of them, lecture 3's N(0, 1) init most), yet the hidden
      layer is not dead: its activations still spread (std above 0.2).
    The same generator seed gives the same parameters, another seed other ones.

    >>> p = fixed_init_params(27, generator=torch.Generator().manual_seed(0))
    >>> {k: tuple(v.shape) for k, v in p.items()}
    {'C': (27, 10), 'W1': (30, 200), 'b1': (200,), 'W2': (200, 27), 'b2': (27,)}
    """
    # TODO (layers.fixed_init_params): draw the five tensors as lecture 3 does, then scale them so that the first loss is
    #       near ln V and the hidden layer is neither saturated nor dead.
    raise NotImplementedError("layers.fixed_init_params is not started yet; hints: course.toml, or `course hint fixed_init_params`")


class Linear:
    """y = x @ weight + bias, with weight of shape (fan_in, fan_out).

    The weight, a float32 tensor, is drawn from N(0, 1) / sqrt(fan_in) (Kaiming's scale with
    gain 1: the network multiplies it by the gain of the nonlinearity that follows); the bias, if
    any, starts at 0. A plain class or a torch.nn.Module (with nn.Parameters) both do.
    `bias=False` leaves it out (`self.bias` is None): a BatchNorm right after would subtract
    it again. parameters() gives [weight, bias], or [weight] without a bias. After a call,
    `self.out` holds the output. The same generator seed gives the same weight.

    >>> layer = Linear(30, 100, generator=torch.Generator().manual_seed(0))
    >>> tuple(layer.weight.shape), tuple(layer(torch.ones(4, 30)).shape), len(layer.parameters())
    ((30, 100), (4, 100), 2)
    """

    def __init__(self, fan_in: int, fan_out: int, bias: bool = True, generator: torch.Generator | None = None):
        # TODO (layers.Linear): a (fan_in, fan_out) weight whose outputs keep the spread of unit-variance inputs,
        #       and a zero bias unless bias=False.
        raise NotImplementedError("layers.Linear is not started yet; hints: course.toml, or `course hint Linear`")

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        # TODO (layers.Linear): the layer's output, kept in self.out as well.
        raise NotImplementedError("layers.Linear is not started yet; hints: course.toml, or `course hint Linear`")

    def parameters(self) -> list[torch.Tensor]:
        # TODO (layers.Linear): the trainable tensors.
        raise NotImplementedError("layers.Linear is not started yet; hints: course.toml, or `course hint Linear`")


class Tanh:
    """The tanh nonlinearity as a layer: no parameters, its output kept in `self.out`.

    >>> Tanh()(torch.tensor([0.0, 100.0])).tolist(), Tanh().parameters()
    ([0.0, 1.0], [])
    """

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        # TODO (layers.Tanh): the layer's output, kept in self.out as well.
        raise NotImplementedError("layers.Tanh is not started yet; hints: course.toml, or `course hint Tanh`")

    def parameters(self) -> list[torch.Tensor]:
        # TODO (layers.Tanh): the trainable tensors (a tanh has none).
        raise NotImplementedError("layers.Tanh is not started yet; hints: course.toml, or `course hint Tanh`")


def deep_mlp(vocab_size: int, block_size: int = 3, n_embd: int = 10, n_hidden: int = 100, n_layers: int = 5,
             batchnorm: bool = True, gain: float = 5 / 3,
             generator: torch.Generator | None = None) -> tuple[torch.Tensor, list]:
    """Lecture 4's deep MLP: (C, layers).

    C is the (vocab_size, n_embd) embedding table, drawn from N(0, 1). `layers` is a list:
    n_layers times [Linear, BatchNorm1d (from batchnorm.py), Tanh], then a Linear to
    vocab_size and a BatchNorm1d of vocab_size; without `batchnorm`, the same list with no
    BatchNorm1d. The first Linear takes block_size * n_embd inputs, the others n_hidden.
    - A Linear followed by a BatchNorm1d has no bias; without BatchNorm every Linear has one.
    - The weights of the Linears followed by a Tanh are multiplied by `gain` (5/3: tanh's); the
      last Linear's are not.
    - The network starts unsure: the last BatchNorm1d's gamma is multiplied by 0.1 (without
      BatchNorm: the last Linear's weight), so the first logits are small.
    C and every layer's parameters are leaf tensors that require grad (scaled in place, or before
    they require grad). Every tensor is drawn with `generator`: the same seed gives the same
    network (C and every layer), another seed another. With the defaults and V = 27 it has
    47,024 parameters (C included).

    >>> C, layers = deep_mlp(27, generator=torch.Generator().manual_seed(0))
    >>> C.numel() + sum(p.numel() for layer in layers for p in layer.parameters())
    47024
    >>> [type(layer).__name__ for layer in layers[:3]], len(layers)
    (['Linear', 'BatchNorm1d', 'Tanh'], 17)
    """
    # TODO (layers.deep_mlp): build the list the docstring describes with your Linear, BatchNorm1d and Tanh,
    #       then scale the weights so the activations keep their spread and the first loss is near ln V.
    raise NotImplementedError("layers.deep_mlp is not started yet; hints: course.toml, or `course hint deep_mlp`")


def forward(C: torch.Tensor, layers: list, X: torch.Tensor) -> torch.Tensor:
    """The logits of a network built by deep_mlp for contexts X (N, block_size): (N, V)."""
    x = C[X].view(X.shape[0], -1)          # the embeddings of each context, end to end
    for layer in layers:
        x = layer(x)
    return x


def parameters(C: torch.Tensor, layers: list) -> list[torch.Tensor]:
    """Every trainable tensor of a network built by deep_mlp: C, then each layer's."""
    return [C] + [p for layer in layers for p in layer.parameters()]
