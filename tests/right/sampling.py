"""Correct versions of lecture 3's sampling exercises in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- sample_next
    ("sampling.sample_next", "nanoGPT style: topk's k-th value as a threshold, F.softmax", '''
import torch.nn.functional as F

def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    V = logits.size(-1)
    if top_k is not None and not (1 <= top_k <= V):
        raise ValueError(f"top_k must be in 1..{V}, got {top_k}")
    logits = logits / temperature
    if top_k is not None:
        v, _ = torch.topk(logits, top_k)
        logits[logits < v[..., [-1]]] = -float("Inf")
    probs = F.softmax(logits, dim=-1)
    ix = torch.multinomial(probs.view(-1, V), num_samples=1, generator=generator)
    return ix.view(logits.shape[:-1])
'''),
    ("sampling.sample_next", "numpy probabilities, inverse CDF with torch.rand", '''
import numpy as np

def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    V = logits.shape[-1]
    if not temperature > 0:
        raise ValueError("temperature must be > 0")
    if top_k is not None and (top_k < 1 or top_k > V):
        raise ValueError("top_k must be between 1 and V")
    z = logits.detach().double().numpy().reshape(-1, V) / temperature
    if top_k is not None:
        kth = np.sort(z, axis=1)[:, V - top_k][:, None]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = torch.rand(len(cdf), generator=generator, dtype=torch.float64).numpy()
    ix = np.minimum((cdf <= u[:, None]).sum(axis=1), V - 1)
    return torch.from_numpy(ix.astype(np.int64)).reshape(logits.shape[:-1])
'''),
    ("sampling.sample_next", "Gumbel-max trick", '''
def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    if temperature <= 0:
        raise ValueError("temperature <= 0 would not divide the logits sensibly")
    if top_k is not None and not 0 < top_k <= logits.shape[-1]:
        raise ValueError("top_k out of range 1..V")
    scaled = logits.detach() / temperature
    if top_k is not None:
        keep = torch.zeros_like(scaled, dtype=torch.bool).scatter(-1, scaled.topk(top_k, dim=-1).indices, True)
        scaled = scaled.masked_fill(~keep, float("-inf"))
    u = torch.rand(scaled.shape, generator=generator).clamp_(1e-20, 1.0)
    return (scaled - torch.log(-torch.log(u))).argmax(dim=-1)
'''),
    # ---------------------------------------------------------------- generate
    ("sampling.generate", "lecture style: one name at a time, context as a list", '''
def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    names = []
    for _ in range(n):
        out = []
        context = [0] * block_size
        while True:
            logits = next_logits(torch.tensor([context]))
            ix = sample_next(logits, temperature, top_k, generator).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            out.append(itos[ix])
            if len(out) >= max_len:
                break
        names.append("".join(out))
    return names
'''),
    ("sampling.generate", "a batch that shrinks as names end", '''
def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    names = [""] * n
    alive = list(range(n))
    context = torch.zeros((n, block_size), dtype=torch.long)
    for _ in range(max_len):
        if not alive:
            break
        with torch.no_grad():
            ix = sample_next(next_logits(context), temperature=temperature, top_k=top_k, generator=generator)
        still = []
        for row, (name_ix, c) in enumerate(zip(alive, ix.tolist())):
            if c != 0:
                names[name_ix] += itos[c]
                still.append(row)
        context = torch.cat([context[:, 1:], ix.unsqueeze(1)], dim=1)[still]
        alive = [alive[r] for r in still]
    return names
'''),
    ("sampling.generate", "draw max_len characters for all, cut at the first '.' afterwards, a tuple", '''
def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    context = torch.zeros(n, block_size, dtype=torch.int64)
    drawn = []
    for _ in range(max_len):
        ix = sample_next(next_logits(context).detach(), temperature, top_k, generator)
        drawn.append(ix)
        context = torch.cat([context[:, 1:], ix[:, None]], dim=1)
    rows = torch.stack(drawn, dim=1).tolist() if drawn else [[] for _ in range(n)]
    names = []
    for row in rows:
        end = row.index(0) if 0 in row else len(row)
        names.append("".join(itos[i] for i in row[:end]))
    return tuple(names)
'''),
]
