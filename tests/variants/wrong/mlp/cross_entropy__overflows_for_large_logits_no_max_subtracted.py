"""overflows for large logits (no max subtracted)"""

def cross_entropy(logits, Y):
    probs = logits.exp() / logits.exp().sum(1, keepdim=True)
    return -probs[torch.arange(len(Y)), Y].log().mean()
