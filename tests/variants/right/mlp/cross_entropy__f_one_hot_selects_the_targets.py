"""F.one_hot selects the targets"""

import torch.nn.functional as F

def cross_entropy(logits, Y):
    N, V = logits.shape
    m = logits.amax(dim=1, keepdim=True)
    logprobs = logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()
    return -(F.one_hot(Y, V) * logprobs).sum() / N
