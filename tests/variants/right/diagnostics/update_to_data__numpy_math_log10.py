"""numpy, math.log10"""

import numpy as np

def update_to_data(parameters, lr):
    out = []
    for p in parameters:
        if p.grad is None:
            out.append(math.nan)
            continue
        update = lr * p.grad.detach().double().numpy()
        out.append(math.log10(np.std(update) / np.std(p.detach().double().numpy())))
    return out
