"""temperature 0 accepted"""

def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    V = logits.shape[-1]
    if top_k is not None and not 1 <= top_k <= V:
        raise ValueError("top_k must be in 1..V")
    logits = logits / max(temperature, 1e-6)
    if top_k is not None:
        logits = logits.masked_fill(logits < torch.topk(logits, top_k).values[..., -1:], float('-inf'))
    probs = torch.softmax(logits, dim=-1).reshape(-1, V)
    return torch.multinomial(probs, 1, generator=generator).view(logits.shape[:-1])
