"""numpy draws seeded from the generator, W.data"""

import numpy as np

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    draws = np.random.default_rng(seed).normal(0.0, kaiming_std(W.shape[0], nonlinearity), size=tuple(W.shape))
    W.data.copy_(torch.from_numpy(draws))
    return W
