"""top_k out of range accepted (clamped)"""

def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    V = logits.shape[-1]
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    if top_k is not None:
        top_k = min(max(top_k, 1), V)
    logits = logits / temperature
    if top_k is not None:
        logits = logits.masked_fill(logits < torch.topk(logits, top_k).values[..., -1:], float('-inf'))
    probs = torch.softmax(logits, dim=-1).reshape(-1, V)
    return torch.multinomial(probs, 1, generator=generator).view(logits.shape[:-1])
