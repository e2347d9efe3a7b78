"""F.normalize with p=1"""

def bigram_probs(counts, smoothing=1.0):
    return F.normalize(counts.to(torch.float32) + smoothing, p=1, dim=1)
