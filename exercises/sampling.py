"""Lecture 3 — sampling from a language model, with temperature and top-k.

A trained model gives logits for the next character; sampling turns them into text, one
character at a time. Two knobs trade variety for safety:

- **temperature** T divides the logits before the softmax. T < 1 sharpens the distribution
  (the likely characters get likelier: safer, duller names), T > 1 flattens it (more
  surprise, more nonsense), T = 1 samples the model as trained.
- **top-k** keeps only the k most likely characters and renormalises over them, so the long
  tail of unlikely characters can never be drawn.

Both work for any model that maps a context of `block_size` characters to logits: the bigram
model (block_size 1) as well as the MLP.
"""
from __future__ import annotations

from typing import Callable

import torch


def sample_next(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one index per row of `logits` (..., V) from softmax(logits / temperature).

    With `top_k`, only the `top_k` largest logits of each row can be drawn (the others get
    probability 0, the kept ones are renormalised). Returns int64 indices of shape (...).
    `temperature <= 0`, and `top_k` outside 1..V, raise ValueError saying why.

    >>> logits = torch.tensor([[0.0, 9.0, 1.0], [5.0, 0.0, 4.0]])
    >>> sample_next(logits, top_k=1)                       # top-1 is the argmax
    tensor([1, 0])
    >>> sample_next(logits, temperature=0)
    Traceback (most recent call last):
    ...
    ValueError: temperature must be > 0 (it divides the logits); got 0
    """
    # TODO (sampling.sample_next): refuse bad arguments; then draw one index per distribution: the softmax of the
    #       logits, sharpened or flattened by the temperature, restricted to the top_k likeliest.
    raise NotImplementedError("sampling.sample_next is not started yet; hints: course.toml, or `course hint sample_next`")


def generate(next_logits: Callable[[torch.Tensor], torch.Tensor], itos: dict[int, str], n: int,
             block_size: int, temperature: float = 1.0, top_k: int | None = None,
             generator: torch.Generator | None = None, max_len: int = 50) -> list[str]:
    """Sample `n` names from any model that maps contexts (B, block_size) to logits (B, V).

    Every name starts from a context of `block_size` zeros ('.'); each drawn character is
    appended and the context slides left by one; a name ends when '.' (index 0) is drawn, or
    after `max_len` characters. Returns the names without the end token, as a sequence: list
    or tuple. Temperature, top-k and the generator are as in sample_next.

    >>> def always_a_then_end(ctx):                    # '.' -> 'a' -> '.'
    ...     last = ctx[:, -1]
    ...     return torch.stack([(last == 1).float(), (last == 0).float()], dim=1) * 50
    >>> generate(always_a_then_end, {0: '.', 1: 'a'}, n=3, block_size=2)
    ['a', 'a', 'a']
    """
    # TODO (sampling.generate): n names, each grown one character at a time from an empty context until the model
    #       draws '.' (or reaches max_len characters).
    # All n names advance together, one batched model call per character position.
    raise NotImplementedError("sampling.generate is not started yet; hints: course.toml, or `course hint generate`")
