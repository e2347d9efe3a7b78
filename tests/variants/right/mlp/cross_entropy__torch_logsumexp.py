"""torch.logsumexp"""

def cross_entropy(logits, Y):
    return (torch.logsumexp(logits, dim=1) - logits[torch.arange(logits.shape[0]), Y]).mean()
