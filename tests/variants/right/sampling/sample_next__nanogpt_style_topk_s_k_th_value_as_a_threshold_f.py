"""nanoGPT style: topk's k-th value as a threshold, F.softmax"""

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
