"""numpy round trip, ddof=1"""

import numpy as np

def calibrate(bn, x):
    a = x.detach().cpu().numpy().astype(np.float64)
    with torch.no_grad():
        bn.running_mean.copy_(torch.from_numpy(a.mean(axis=0)))
        bn.running_var.copy_(torch.from_numpy(a.var(axis=0, ddof=1)))
    return bn
