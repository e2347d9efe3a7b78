"""generator ignored"""

def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    V = logits.shape[-1]
    if temperature <= 0 or (top_k is not None and not 1 <= top_k <= V):
        raise ValueError("temperature must be > 0 and top_k in 1..V")
    logits = logits / temperature
    if top_k is not None:
        logits = logits.masked_fill(logits < torch.topk(logits, top_k).values[..., -1:], float('-inf'))
    probs = torch.softmax(logits, dim=-1).reshape(-1, V)
    return torch.multinomial(probs, 1, generator=None).view(logits.shape[:-1])
