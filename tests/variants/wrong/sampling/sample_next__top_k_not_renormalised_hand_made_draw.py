"""top-k not renormalised (hand-made draw)"""

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
