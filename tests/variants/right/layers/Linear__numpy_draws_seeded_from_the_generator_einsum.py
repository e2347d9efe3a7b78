"""numpy draws seeded from the generator, einsum"""

import numpy as np

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        w = np.random.default_rng(seed).standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        self.weight = torch.from_numpy(w).float()
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        y = torch.einsum("ni,io->no", x, self.weight)
        self.out = y if self.bias is None else y + self.bias
        return self.out

    def parameters(self):
        return [p for p in (self.weight, self.bias) if p is not None]
