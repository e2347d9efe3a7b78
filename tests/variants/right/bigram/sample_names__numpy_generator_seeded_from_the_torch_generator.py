"""numpy Generator seeded from the torch generator, a tuple of names"""

import numpy as np

def sample_names(probs, itos, n, generator=None):
    seed = torch.randint(0, 2**31 - 1, (1,), generator=generator).item()
    rng = np.random.default_rng(seed)
    P = probs.double().numpy()
    P = P / P.sum(axis=1, keepdims=True)
    names = []
    for _ in range(n):
        chars, ix = [], int(rng.choice(len(P), p=P[0]))
        while ix != 0:
            chars.append(itos[ix])
            ix = int(rng.choice(len(P), p=P[ix]))
        names.append("".join(chars))
    return tuple(names)
