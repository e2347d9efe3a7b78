"""torch.nn.init with a generator, zero biases"""

import math

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    init = torch.nn.init
    fan_in = block_size * n_embd
    p = {
        "C": init.normal_(torch.empty(vocab_size, n_embd), generator=generator),
        "W1": init.normal_(torch.empty(fan_in, n_hidden), std=1 / math.sqrt(fan_in), generator=generator),
        "b1": torch.zeros(n_hidden),
        "W2": init.normal_(torch.empty(n_hidden, vocab_size), std=1e-3, generator=generator),
        "b2": torch.zeros(vocab_size),
    }
    return {k: v.requires_grad_() for k, v in p.items()}
