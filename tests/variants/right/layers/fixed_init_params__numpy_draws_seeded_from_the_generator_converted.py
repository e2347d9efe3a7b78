"""numpy draws seeded from the generator, converted to float32"""

import numpy as np

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    rng = np.random.default_rng(seed)
    fan_in = block_size * n_embd
    arrays = {"C": rng.standard_normal((vocab_size, n_embd)),
              "W1": rng.standard_normal((fan_in, n_hidden)) / np.sqrt(fan_in),
              "b1": np.zeros(n_hidden),
              "W2": rng.standard_normal((n_hidden, vocab_size)) * 0.01,
              "b2": np.zeros(vocab_size)}
    return {k: torch.tensor(a, dtype=torch.float32, requires_grad=True) for k, a in arrays.items()}
