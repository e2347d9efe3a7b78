"""summed instead of averaged"""

def cross_entropy(logits, Y):
    shifted = logits - logits.max(1, keepdim=True).values
    logp = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -logp[torch.arange(len(Y)), Y].sum()
