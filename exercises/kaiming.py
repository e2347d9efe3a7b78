"""Lecture 4 — initialisation: what the first loss should be, and Kaiming init.

Before a network has learned anything it should be unsure: every character about equally
likely, so the first loss is -log(1/V). A much larger first loss means the network starts
out confidently wrong, and the first thousands of steps are spent undoing the initialisation.

Inside the network the same idea applies layer by layer: activations should keep a steady
spread from layer to layer. A weight matrix W of shape (fan_in, fan_out), used as x @ W,
adds up fan_in products, so the spread of its output grows with fan_in. Kaiming init (He et
al. 2015) draws W with a spread that cancels that growth, times a gain that makes up for what
the nonlinearity squashes (ReLU zeroes half of its inputs; tanh pulls every value towards 0).
"""
from __future__ import annotations

import math

import torch


def gain(nonlinearity: str) -> float:
    """The gain that keeps activations at a steady spread through `nonlinearity`.

    For 'linear', 'tanh' and 'relu', the value torch.nn.init.calculate_gain gives that name.
    Any other name raises ValueError. Returns a number: float or 0-d tensor.

    >>> gain('linear'), round(gain('tanh'), 4), round(gain('relu'), 4)
    (1.0, 1.6667, 1.4142)
    >>> gain('sigmoid')
    Traceback (most recent call last):
    ...
    ValueError: no gain for nonlinearity 'sigmoid': use 'linear', 'tanh' or 'relu'
    """
    # TODO (kaiming.gain): the gain of each of the three nonlinearities; refuse any other name.
    # ReLU keeps only half of a symmetric input, halving its variance: gain sqrt(2) restores it.
    # tanh squashes its input; 5/3 is the factor that keeps a unit-variance input near unit variance.
    raise NotImplementedError("kaiming.gain is not started yet; hints: course.toml, or `course hint gain`")


def kaiming_std(fan_in: int, nonlinearity: str = "tanh") -> float:
    """The standard deviation of Kaiming init for a layer of `fan_in` inputs followed by
    `nonlinearity`: the spread of weights that keeps the layer's outputs, once through the
    nonlinearity, at the spread of unit-variance inputs (gain(nonlinearity) included).

    Returns a number: float or 0-d tensor.

    >>> round(kaiming_std(30, 'tanh'), 4)      # the lecture's first layer: 3 characters x 10 dims
    0.3043
    >>> round(kaiming_std(200, 'relu'), 4)
    0.1
    """
    # TODO (kaiming.kaiming_std): the std that keeps a layer's outputs at the spread of its inputs, for this nonlinearity.
    # Variances add: x @ W sums fan_in terms, so its variance is fan_in * var(W) * var(x).
    # A std of gain / sqrt(fan_in) makes that fan_in factor cancel.
    raise NotImplementedError("kaiming.kaiming_std is not started yet; hints: course.toml, or `course hint kaiming_std`")


def kaiming_normal_(W: torch.Tensor, nonlinearity: str = "tanh",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill W in place with normal draws of mean 0 and Kaiming's std for its fan-in and
    `nonlinearity` (kaiming_std); return W.

    W has shape (fan_in, fan_out), as it is used in x @ W (torch's nn.Linear stores the
    transpose, (out, in)): fan_in is W.shape[0]. Works on a W that requires grad, and leaves
    it a leaf that still requires grad.

    >>> W = torch.empty(300, 20)
    >>> kaiming_normal_(W, 'tanh', generator=torch.Generator().manual_seed(0)) is W
    True
    >>> round(W.std().item(), 2)              # Kaiming's std for 300 inputs and tanh
    0.1
    """
    # TODO (kaiming.kaiming_normal_): fill W itself with Kaiming-normal values (its fan-in follows from its shape); return W.
    raise NotImplementedError("kaiming.kaiming_normal_ is not started yet; hints: course.toml, or `course hint kaiming_normal_`")


def expected_initial_loss(vocab_size: int) -> float:
    """The loss (cross-entropy, natural log) of a network that is perfectly unsure: one that
    gives every one of the vocab_size characters the same probability, whatever the context.

    Returns a number: float or 0-d tensor.

    >>> round(expected_initial_loss(27), 4)
    3.2958
    """
    # TODO (kaiming.expected_initial_loss): the negative log of the probability a uniform guess gives the right character.
    raise NotImplementedError("kaiming.expected_initial_loss is not started yet; hints: course.toml, or `course hint expected_initial_loss`")
