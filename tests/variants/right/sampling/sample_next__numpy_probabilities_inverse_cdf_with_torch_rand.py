"""numpy probabilities, inverse CDF with torch.rand"""

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
