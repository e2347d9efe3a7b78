"""Common wrong versions of lecture 3's sampling exercises (see tests/wrong/__init__.py)."""

# A correct sample_next except for `logits = ...` and the marked lines, which each case changes.
SAMPLE_NEXT = '''
def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    V = logits.shape[-1]
    {checks}
    logits = {scale}
    if top_k is not None:
        {mask}
    probs = torch.softmax(logits, dim=-1).reshape(-1, V)
    return torch.multinomial(probs, 1, generator={generator}).view(logits.shape[:-1])
'''
CHECKS = '''if temperature <= 0 or (top_k is not None and not 1 <= top_k <= V):
        raise ValueError("temperature must be > 0 and top_k in 1..V")'''
MASK = "logits = logits.masked_fill(logits < torch.topk(logits, top_k).values[..., -1:], float('-inf'))"


def sample_next(checks=CHECKS, scale="logits / temperature", mask=MASK, generator="generator"):
    return SAMPLE_NEXT.format(checks=checks, scale=scale, mask=mask, generator=generator)


# A correct generate except for the marked pieces.
GENERATE = '''
def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    names = []
    for _ in range(n):
        context, out = [0] * block_size, []
        while len(out) < max_len:
            logits = next_logits(torch.tensor([context]))
            ix = sample_next(logits, temperature, top_k, {generator})[0].item()
            {end}
            context = {slide}
        names.append("".join(out))
    return names
'''
END = '''if ix == 0:
                break
            out.append(itos[ix])'''


def generate(generator="generator", end=END, slide="context[1:] + [ix]"):
    return GENERATE.format(generator=generator, end=end, slide=slide)


CASES = [
    ("sampling.sample_next", "temperature 0 accepted", sample_next(checks='''if top_k is not None and not 1 <= top_k <= V:
        raise ValueError("top_k must be in 1..V")''', scale="logits / max(temperature, 1e-6)"), "check"),
    ("sampling.sample_next", "top_k out of range accepted (clamped)", sample_next(checks='''if temperature <= 0:
        raise ValueError("temperature must be > 0")
    if top_k is not None:
        top_k = min(max(top_k, 1), V)'''), "check"),
    ("sampling.sample_next", "temperature multiplied", sample_next(scale="logits * temperature"), "divide"),
    ("sampling.sample_next", "argmax instead of a draw", sample_next(scale="logits / temperature * 1e6"), "draw"),
    ("sampling.sample_next", "top-k masked with 0 instead of -inf",
     sample_next(mask="logits = logits.masked_fill(logits < torch.topk(logits, top_k).values[..., -1:], 0.0)"),
     "inf"),
    ("sampling.sample_next", "top-k keeps k + 1",
     sample_next(mask="logits = logits.masked_fill(logits < torch.topk(logits, min(top_k + 1, V)).values[..., -1:], "
                      "float('-inf'))"), "k"),
    ("sampling.sample_next", "top-k not renormalised (hand-made draw)", '''
def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    V = logits.shape[-1]
    if temperature <= 0 or (top_k is not None and not 1 <= top_k <= V):
        raise ValueError("temperature must be > 0 and top_k in 1..V")
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_k is not None:
        probs = probs.masked_fill(probs < torch.topk(probs, top_k).values[..., -1:], 0.0)
    cdf = probs.cumsum(-1)
    u = torch.rand(probs.shape[:-1] + (1,), generator=generator)
    return (cdf < u).sum(-1).clamp(max=V - 1)
''', "renormalise"),
    ("sampling.sample_next", "generator ignored", sample_next(generator="None"), "generator"),
    ("sampling.generate", "context never slides", generate(slide="context"), "slide"),
    ("sampling.generate", "context slides the wrong way (newest first)", generate(slide="[ix] + context[:-1]"),
     "slide"),
    ("sampling.generate", "end token kept in the names", generate(end='''out.append(itos[ix])
            if ix == 0:
                break'''), "end"),
    ("sampling.generate", "generator not passed on", generate(generator="None"), "pass_on"),
]
