"""Hidden graders for lecture 3's sampling: the same contracts as autograder/test_sampling.py, on
inputs the learner never saw (other vocabulary sizes, rows that differ within one batch, other
temperatures, k, block sizes, alphabets and seeds), so that an answer written for the public
checks' numbers fails here.

Draws are checked statistically, with fixed generators and margins of at least four standard
errors, so any correct sampler passes however it draws. Instructors only: `course release`
leaves autograder/hidden/ out. Messages say what went wrong, never the inputs' source.
"""
import torch
import torch.nn as nn

from course.grading.judge.api import GraderFailure, check, describe, exercise, expect, hint_text, is_sequence

# Two rows of ten logits, unsorted, no ties, some negative; their top-4 sets differ.
ROWS = torch.tensor([[0.3, -1.0, 2.2, 1.1, 0.0, 1.7, -0.4, 0.9, 2.6, 0.5],
                     [1.9, 0.2, -0.7, 2.4, 1.3, -1.5, 0.8, 0.1, 1.0, 2.0]])
PER_ROW = 10_000                      # standard error of a frequency at most 0.005
ATOL = 0.02                           # four standard errors


def spread(freq) -> str:
    return "[" + ", ".join(f"{f:.3f}" for f in freq.tolist()) + "]"


def expected_probs(logits, temperature, top_k):
    scaled = logits / temperature
    if top_k is not None:
        kept = scaled.topk(top_k, dim=-1).indices
        scaled = torch.full_like(scaled, float("-inf")).scatter(-1, kept, scaled.gather(-1, kept))
    return scaled.softmax(-1).double()


# ---------------------------------------------------------------- sample_next
@exercise("sampling.sample_next")
def test_hidden_sample_next_rows_differ(sampling):
    R, V = ROWS.shape
    batch = ROWS.unsqueeze(0).expand(PER_ROW, R, V).clone()      # (PER_ROW, 2, 10): rows alternate
    for seed, temperature, top_k in ((71, 1.6, None), (72, 0.6, 4)):
        draws = sampling.sample_next(batch, temperature=temperature, top_k=top_k,
                                     generator=torch.Generator().manual_seed(seed))
        expect(draws).tensor(shape=(PER_ROW, R), dtype=torch.int64,
                             what=f"the draws for logits of shape ({PER_ROW}, {R}, {V})", hint="shape")
        check(bool(((draws >= 0) & (draws < V)).all()), f"every draw is an index in 0..{V - 1}",
              f"yours range {draws.min().item()} … {draws.max().item()}", hint="shape")
        probs = expected_probs(ROWS, temperature, top_k)
        setting = f"temperature {temperature}" + (f" and top_k={top_k}" if top_k else "")
        for r in range(R):
            freq = torch.bincount(draws[:, r], minlength=V).double() / PER_ROW
            if top_k is not None:
                outside = freq[probs[r] == 0].sum().item()
                check(outside == 0, f"with top_k={top_k} only each row's own {top_k} largest logits may be drawn",
                      f"yours drew others {outside:.1%} of the time in one of the rows", hint="k")
            check(torch.allclose(freq, probs[r], atol=ATOL),
                  f"with {setting}, each row of a batch should be drawn from its own softmax(logits / T)",
                  f"one row should follow {spread(probs[r])}, yours {spread(freq)}",
                  hint="renormalise" if top_k else "divide")


@exercise("sampling.sample_next")
def test_hidden_sample_next_bounds_and_top_one(sampling):
    g = torch.Generator().manual_seed(73)
    logits = torch.randn(200, 6, generator=g) * 2
    for bad in (7, 0, -1):
        exc = expect(lambda: sampling.sample_next(logits, top_k=bad)).raises(
            ValueError, why=f"top_k={bad} should raise ValueError: with V=6 it must be in 1..6", hint="check")
        check(str(exc).strip() != "", "the ValueError should say why", "yours has no message", hint="check")
    exc = expect(lambda: sampling.sample_next(logits, temperature=-0.25)).raises(
        ValueError, why="a negative temperature should raise ValueError", hint="check")
    check(str(exc).strip() != "", "the ValueError should say why", "yours has no message", hint="check")
    draws = sampling.sample_next(logits, top_k=6, temperature=0.9, generator=g)
    expect(draws).tensor(shape=(200,), dtype=torch.int64, what="the draws with top_k=V=6 (allowed)", hint="check")
    for temperature in (1.0, 3.0):
        draws = sampling.sample_next(logits, top_k=1, temperature=temperature, generator=g)
        expect(draws).tensor(shape=(200,), dtype=torch.int64, what="the draws with top_k=1", hint="shape")
        wrong = (draws != logits.argmax(1)).sum().item()
        check(wrong == 0, f"top_k=1 keeps only each row's largest logit, at any temperature ({temperature} here)",
              f"{wrong} of yours out of 200 rows were not their row's argmax", hint="k")


# ---------------------------------------------------------------- generate
ITOS = {0: ".", 1: "ж", 2: "q", 3: "ø", 4: "z", 5: "é"}          # V = 6, not a-z
WEIGHTS = (3, 1, 4, 1)                                            # block_size 4, oldest first


def rule(*ctx):
    """A deterministic next character that depends on every position of the context, in order."""
    if not any(ctx):
        return 3
    return (sum(w * c for w, c in zip(WEIGHTS, ctx)) + 1) % 6


class ChainModel:
    """Logits that make `rule` certain; checks the contexts it is given."""

    def __init__(self, block_size):
        self.block_size = block_size

    def __call__(self, ctx):
        if not isinstance(ctx, torch.Tensor) or ctx.dim() != 2 or ctx.shape[1] != self.block_size \
                or ctx.dtype != torch.int64:
            kind = f" of dtype {ctx.dtype}" if isinstance(ctx, torch.Tensor) else ""
            raise GraderFailure(f"next_logits should get an int64 tensor of contexts (B, {self.block_size}); "
                                f"yours passed {describe(ctx)}{kind}.\nhint: {hint_text('start')}")
        nxt = torch.tensor([rule(*row) for row in ctx.tolist()])
        return torch.nn.functional.one_hot(nxt, len(ITOS)).float() * 60 - 30


def walk(block_size, max_len=50):
    ctx, out = [0] * block_size, ""
    while len(out) < max_len:
        ix = rule(*ctx)
        if ix == 0:
            break
        out += ITOS[ix]
        ctx = ctx[1:] + [ix]
    return out


@exercise("sampling.generate")
def test_hidden_generate_longer_context(sampling):
    expected = walk(4)                                            # eight characters, then '.'
    for n, seed in ((1, 81), (4, 82)):
        out = sampling.generate(ChainModel(4), ITOS, n=n, block_size=4, generator=torch.Generator().manual_seed(seed))
        check(is_sequence(out, n) and all(isinstance(s, str) for s in out),
              f"generate(..., n={n}) should return a list (or tuple) of {n} strings", f"got {describe(out)}",
              hint="start")
        check(not any("." in s for s in out), "names come without the end token '.'", f"yours: {out[0]!r}",
              hint="end")
        expect(out).equals([expected] * n, why=f"with block_size 4 this model spells a name of {len(expected)} "
                            "characters when the context slides, newest last", hint="slide")
    out = sampling.generate(ChainModel(4), ITOS, n=2, block_size=4, max_len=5,
                            generator=torch.Generator().manual_seed(83))
    check(is_sequence(out, 2) and all(s in (expected[:4], expected[:5]) for s in out),
          "with max_len=5 a longer name stops after 5 characters", f"yours gave {out}", hint="maxlen")


def first_letter_model(block_size, p):
    """From an empty context, draw a letter by p; any letter then leads to '.'."""
    V = p.numel() + 1
    logp = torch.full((V, V), -60.0)                              # still negligible at temperature 2
    logp[0, 1:] = p.log()
    logp[1:, 0] = 0.0
    # logp[ctx[:, -1]] in torch's own layers (embed every character, keep the last one's row),
    # so the model runs beside your code instead of being called back at every step.
    keep_last = nn.Linear(block_size * V, V, bias=False)
    with torch.no_grad():
        keep_last.weight.zero_()
        keep_last.weight[:, (block_size - 1) * V:] = torch.eye(V)
    return nn.Sequential(nn.Embedding.from_pretrained(logp), nn.Flatten(1), keep_last)


P = torch.tensor([0.05, 0.1, 0.15, 0.3, 0.4])


@exercise("sampling.generate")
def test_hidden_generate_passes_settings_on(sampling):
    n = 3000                                                      # standard error at most 0.0092
    for seed, temperature, top_k in ((84, 2.0, None), (85, 0.5, 3)):
        out = sampling.generate(first_letter_model(3, P), ITOS, n=n, block_size=3, temperature=temperature,
                                top_k=top_k, generator=torch.Generator().manual_seed(seed))
        check(is_sequence(out, n), f"expected {n} names", f"got {describe(out)[:60]}",
              hint="start")
        check(all(len(s) == 1 for s in out), "in this model every letter ends the name: one letter each, no '.'",
              f"one of yours is {max(out, key=len)!r}", hint="slide")
        freq = torch.tensor([out.count(ITOS[i]) for i in range(1, 6)], dtype=torch.float64) / n
        expected = expected_probs(P.log(), temperature, top_k)
        setting = f"temperature {temperature}" + (f" and top_k={top_k}" if top_k else "")
        if top_k is not None:
            outside = freq[expected == 0].sum().item()
            check(outside == 0, f"with top_k={top_k} only the {top_k} likeliest letters may be drawn",
                  f"yours drew others {outside:.1%} of the time", hint="pass_on")
        check(torch.allclose(freq, expected, atol=0.04), f"with {setting} the letters should follow the model's "
              "softmax(logits / T), restricted to the top k", f"expected {spread(expected)}, got {spread(freq)}",
              hint="pass_on")
