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
    ### BEGIN SOLUTION
    # TODO: refuse bad arguments; then draw one index per distribution: the softmax of the
    #       logits, sharpened or flattened by the temperature, restricted to the top_k likeliest.
    V = logits.shape[-1]
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 (it divides the logits); got {temperature}")
    if top_k is not None and not 1 <= top_k <= V:
        raise ValueError(f"top_k must be between 1 and the vocabulary size {V}; got {top_k}")
    logits = logits.detach() / temperature          # a new tensor: the caller's is untouched
    if top_k is not None:
        # -inf, not 0: exp(-inf) = 0 removes a character, exp(0) = 1 would keep it.
        kept = torch.topk(logits, top_k, dim=-1).indices
        masked = torch.full_like(logits, float("-inf"))
        logits = masked.scatter(-1, kept, logits.gather(-1, kept))   # exactly k survive, even with ties
    # softmax over what is left renormalises the kept probabilities to sum to 1.
    probs = torch.softmax(logits, dim=-1).reshape(-1, V)
    draws = torch.multinomial(probs, num_samples=1, generator=generator)
    return draws.view(logits.shape[:-1])
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    # TODO: n names, each grown one character at a time from an empty context until the model
    #       draws '.' (or reaches max_len characters).
    # All n names advance together, one batched model call per character position.
    context = torch.zeros((n, block_size), dtype=torch.int64)
    chars: list[list[str]] = [[] for _ in range(n)]
    alive = torch.ones(n, dtype=torch.bool)
    for _ in range(max_len):
        if not alive.any():
            break
        with torch.no_grad():
            logits = next_logits(context)
        ix = sample_next(logits, temperature, top_k, generator)
        alive &= ix != 0                          # '.' ends a name, and is not part of it
        for row in alive.nonzero().flatten().tolist():
            chars[row].append(itos[ix[row].item()])
        context = torch.cat([context[:, 1:], ix.view(-1, 1)], dim=1)   # oldest out, newest in
    return ["".join(c) for c in chars]
    ### END SOLUTION
