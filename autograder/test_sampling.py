"""Graders for lecture 3's sampling (exercises/sampling.py): temperature and top-k.

Draws are checked statistically: thousands of draws with a fixed generator, whose
frequencies must match the distribution the contract describes, within a margin several
times the sampling noise. So any correct sampler passes, however it draws.
"""
import torch
import torch.nn as nn

from course.grading.judge.api import GraderFailure, check, describe, exercise, expect, is_sequence

# Seven characters whose logits are neither sorted nor far apart, so that every mistake shows
# (all positive, so that a logit masked with 0 instead of -inf is told apart from one left in).
LOGITS = torch.tensor([1.5, 3.0, 0.5, 2.5, 1.2, 2.0, 0.0])
N_DRAWS = 20_000


def frequencies(draws, V):
    return torch.bincount(draws.flatten(), minlength=V).double() / draws.numel()


def draw_many(sampling, logits=LOGITS, seed=0, **kwargs):
    rows = logits.expand(N_DRAWS, logits.shape[-1])
    draws = sampling.sample_next(rows, generator=torch.Generator().manual_seed(seed), **kwargs)
    expect(draws).tensor(shape=(N_DRAWS,), dtype=torch.int64, what=f"the draws for logits ({N_DRAWS}, V)",
                         hint="shape")
    check(bool(((draws >= 0) & (draws < logits.shape[-1])).all()), "every draw is an index in 0..V-1",
          f"yours range {draws.min().item()} … {draws.max().item()}", hint="shape")
    return frequencies(draws, logits.shape[-1])


def near(freq, probs, atol=0.015):
    return torch.allclose(freq, probs.double(), atol=atol)


def spread(freq) -> str:
    return "[" + ", ".join(f"{f:.3f}" for f in freq.tolist()) + "]"


# ---------------------------------------------------------------- sample_next
@exercise("sampling.sample_next")
def test_sample_next_refuses_bad_arguments(sampling):
    logits = torch.zeros(3, 4)
    for bad in (0, 0.0, -1.0):
        exc = expect(lambda: sampling.sample_next(logits, temperature=bad)).raises(
            ValueError, why=f"temperature={bad} should raise ValueError (it divides the logits)", hint="check")
        check(str(exc).strip() != "", "the ValueError should say why", "yours has no message", hint="check")
    for bad in (0, -2, 5):
        exc = expect(lambda: sampling.sample_next(logits, top_k=bad)).raises(
            ValueError, why=f"top_k={bad} should raise ValueError: with V=4 it must be in 1..4", hint="check")
        check(str(exc).strip() != "", "the ValueError should say why", "yours has no message", hint="check")
    for fine in (1, 4):
        draws = sampling.sample_next(logits, top_k=fine)
        expect(draws).tensor(shape=(3,), dtype=torch.int64, what=f"the draws with top_k={fine} (allowed: 1..V)",
                             hint="check")


@exercise("sampling.sample_next")
def test_sample_next_shapes(sampling):
    g = torch.Generator().manual_seed(1)
    for shape in [(6,), (4, 6), (2, 3, 6)]:
        draws = sampling.sample_next(torch.randn(shape, generator=g), generator=g)
        expect(draws).tensor(shape=shape[:-1], dtype=torch.int64, what=f"the draws for logits of shape {shape}",
                             hint="shape")


@exercise("sampling.sample_next")
def test_sample_next_follows_the_softmax(sampling):
    freq = draw_many(sampling)
    probs = LOGITS.softmax(0)
    check(freq.max() < 0.99, "sample_next should draw at random, not always the largest logit",
          f"yours drew index {freq.argmax().item()} every time", hint="draw")
    check(near(freq, probs), "at temperature 1 the draws should follow softmax(logits)",
          f"expected {spread(probs)}, got {spread(freq)}", hint="draw")


@exercise("sampling.sample_next")
def test_sample_next_temperature(sampling):
    for T in (0.5, 2.0):
        freq = draw_many(sampling, temperature=T, seed=2)
        probs = (LOGITS / T).softmax(0)
        multiplied = (LOGITS * T).softmax(0)
        check(not near(freq, multiplied, atol=0.01),
              f"temperature {T} should {'sharpen' if T < 1 else 'flatten'} the distribution",
              f"yours {'flattened' if T < 1 else 'sharpened'} it: the logits were multiplied by T", hint="divide")
        check(near(freq, probs), f"at temperature {T} the draws should follow softmax(logits / {T})",
              f"expected {spread(probs)}, got {spread(freq)}", hint="divide")


@exercise("sampling.sample_next")
def test_sample_next_top_k(sampling):
    k, V = 3, LOGITS.numel()
    order = LOGITS.argsort(descending=True)
    top, extra = order[:k], order[k]
    for T in (1.0, 0.7):
        freq = draw_many(sampling, top_k=k, temperature=T, seed=3)
        scaled = LOGITS / T
        kept = torch.full((V,), float("-inf"))
        kept[top] = scaled[top]
        probs = kept.softmax(0)
        outside = freq.clone()
        outside[top] = 0
        if outside.sum() > 0:
            share = outside.sum().item()
            full = scaled.softmax(0)
            masked_with_zero = torch.where(torch.isinf(kept), torch.zeros(V), kept).softmax(0)
            why = f"with top_k={k} only the {k} largest logits may be drawn"
            check(not near(freq, full), why, "yours follow the full softmax: top_k had no effect", hint="inf")
            check(outside.sum() != outside[extra], f"top_k={k} should keep exactly {k} characters",
                  f"yours also drew the {k + 1}th most likely one", hint="k")
            check(not near(freq[top], full[top], atol=0.01), why,
                  f"yours drew the {k} kept ones as often as the full softmax says and spent the rest "
                  f"({share:.1%}) elsewhere", hint="renormalise")
            check(abs(share - masked_with_zero[order[k:]].sum().item()) > 0.02, why,
                  f"yours drew the others {share:.1%} of the time, as if their logits were 0", hint="inf")
            check(False, why, f"yours drew the others {share:.1%} of the time", hint="inf")
        check(near(freq, probs), f"top_k={k} at temperature {T}: the kept probabilities renormalised to sum to 1",
              f"expected {spread(probs)}, got {spread(freq)}", hint="renormalise")


@exercise("sampling.sample_next")
def test_sample_next_uses_the_generator(sampling):
    logits = torch.randn(50, 9, generator=torch.Generator().manual_seed(4))
    a = sampling.sample_next(logits, generator=torch.Generator().manual_seed(5))
    torch.rand(3)                                      # disturb the global generator in between
    b = sampling.sample_next(logits, generator=torch.Generator().manual_seed(5))
    check(torch.equal(a, b), "the same generator seed should give the same draws", hint="generator")
    c = sampling.sample_next(logits, generator=torch.Generator().manual_seed(6))
    check(not torch.equal(a, c), "a different seed should give different draws", hint="generator")
    before = logits.clone()
    sampling.sample_next(logits, top_k=2, temperature=0.5, generator=torch.Generator().manual_seed(5))
    expect(logits).equals(before, why="sample_next must not change the logits it is given", hint="inf")


# ---------------------------------------------------------------- generate
ITOS = {0: ".", 1: "k", 2: "l", 3: "m", 4: "n"}


def rule(c0, c1, c2):
    """A deterministic next character that depends on the whole context, oldest first."""
    return (c0 + c1 + 4 * c2) % 5 if (c0, c1, c2) != (0, 0, 0) else 2


class ChainModel:
    """Logits that make `rule` certain; checks the contexts it is given."""

    def __init__(self, block_size=3):
        self.block_size = block_size

    def __call__(self, ctx):
        if not isinstance(ctx, torch.Tensor) or ctx.dim() != 2 or ctx.shape[1] != self.block_size \
                or ctx.dtype != torch.int64:
            raise GraderFailure(f"next_logits should get an int64 tensor of contexts (B, {self.block_size}); "
                                f"yours passed {describe(ctx)}" + (f" of dtype {ctx.dtype}" if isinstance(
                                    ctx, torch.Tensor) else "") + "\nhint: " + _hint("start"))
        nxt = torch.tensor([rule(*row) for row in ctx.tolist()])
        return torch.nn.functional.one_hot(nxt, 5).float() * 60 - 30


def _hint(key):
    from course.grading.judge.api import hint_text
    return hint_text(key)


def walk(max_len=50):
    ctx, out = [0, 0, 0], ""
    while len(out) < max_len:
        ix = rule(*ctx)
        if ix == 0:
            break
        out += ITOS[ix]
        ctx = ctx[1:] + [ix]
    return out


@exercise("sampling.generate")
def test_generate_slides_the_context(sampling):
    expected = walk()                                  # "lmnkknml" for this rule
    out = sampling.generate(ChainModel(), ITOS, n=3, block_size=3, generator=torch.Generator().manual_seed(0))
    check(is_sequence(out, 3) and all(isinstance(s, str) for s in out),
          "generate(..., n=3) should return a list (or tuple) of 3 strings", f"got {describe(out)}", hint="start")
    check(not any("." in s for s in out), "names come without the end token '.'", f"yours: {out[0]!r}",
          hint="end")
    check(out[0] != ITOS[2] * len(out[0]) or expected == out[0], "the context must slide after every draw",
          f"yours repeats {out[0][:6]!r}…: the context never changed", hint="slide")
    expect(out).equals([expected] * 3, why=f"this model spells {expected!r} when the context slides, newest last",
                       hint="slide")


@exercise("sampling.generate")
def test_generate_stops_at_max_len(sampling):
    def never_ends(ctx):                                # always 'k', never '.'
        return torch.tensor([-30.0, 30.0, -30.0]).expand(ctx.shape[0], 3)

    out = sampling.generate(never_ends, {0: ".", 1: "k", 2: "q"}, n=2, block_size=2, max_len=7,
                            generator=torch.Generator().manual_seed(0))
    check(is_sequence(out, 2), "generate(..., n=2) should return 2 names", f"got {describe(out)}",
          hint="maxlen")
    check(all(len(s) in (6, 7) and set(s) == {"k"} for s in out),
          "a model that never draws '.' still stops, after max_len=7 characters", f"yours gave {out}", hint="maxlen")


def bigram_model(row0):
    """block_size 1: from '.', draw a letter by row0; every letter leads to '.'."""
    V = row0.numel()
    logp = torch.full((V, V), -30.0)
    logp[0] = row0.log()
    logp[1:, 0] = 0.0
    # An embedding of the one context character is a row of logp: torch's own layers, so the
    # model runs beside your code (the grader's own functions would be called back at every step).
    return nn.Sequential(nn.Embedding.from_pretrained(logp), nn.Flatten(1))


ROW0 = torch.tensor([1e-13, 0.1, 0.2, 0.3, 0.4])


def first_letters(names):
    counts = torch.tensor([sum(1 for s in names if s == ITOS[i]) for i in range(1, 5)], dtype=torch.float64)
    return counts / max(len(names), 1)


@exercise("sampling.generate")
def test_generate_follows_the_model(sampling):
    n = 3000
    out = sampling.generate(bigram_model(ROW0), ITOS, n=n, block_size=1, generator=torch.Generator().manual_seed(1))
    check(is_sequence(out, n), f"expected {n} names", f"got {describe(out)[:60]}", hint="start")
    check(all(len(s) == 1 for s in out), "in this model every letter ends the name: one letter each, no '.'",
          f"one of yours is {max(out, key=len)!r}", hint="end")
    freq = first_letters(out)
    expect(freq).close_to(ROW0[1:].double(), atol=0.03, why="the letters should follow the model (0.1, 0.2, 0.3, 0.4)",
                          hint="pass_on")


@exercise("sampling.generate")
def test_generate_passes_temperature_and_top_k_on(sampling):
    n = 3000
    g = torch.Generator().manual_seed(2)
    hot = first_letters(sampling.generate(bigram_model(ROW0), ITOS, n=n, block_size=1, temperature=3.0, generator=g))
    expected = (ROW0[1:].log() / 3.0).softmax(0).double()
    expect(hot).close_to(expected, atol=0.03, why="at temperature 3 the letters should follow softmax(log p / 3)",
                         hint="pass_on")
    top = first_letters(sampling.generate(bigram_model(ROW0), ITOS, n=n, block_size=1, top_k=2, generator=g))
    check(top[:2].sum() == 0, "with top_k=2 only the two likeliest letters (m, n) may be drawn",
          f"yours drew k or l {top[:2].sum().item():.1%} of the time", hint="pass_on")


@exercise("sampling.generate")
def test_generate_uses_the_generator(sampling):
    logp = torch.full((5, 5), 0.2).log()
    model = lambda ctx: logp[ctx[:, -1]]                # noqa: E731 - names of random length
    a = sampling.generate(model, ITOS, n=20, block_size=2, generator=torch.Generator().manual_seed(7))
    torch.rand(3)
    b = sampling.generate(model, ITOS, n=20, block_size=2, generator=torch.Generator().manual_seed(7))
    check(a == b, "the same generator seed should give the same names", f"{a[:3]} then {b[:3]}", hint="pass_on")
    c = sampling.generate(model, ITOS, n=20, block_size=2, generator=torch.Generator().manual_seed(8))
    check(a != c, "a different seed should give different names", "yours were identical", hint="pass_on")
