"""@torch.no_grad() decorator, F.cross_entropy"""

import torch.nn.functional as F

@torch.no_grad()
def evaluate(params, X, Y):
    return F.cross_entropy(forward(params, X), Y).item()
