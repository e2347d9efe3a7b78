"""smoothing ignored"""

def bigram_probs(counts, smoothing=1.0):
    P = counts.float()
    return P / P.sum(1, keepdim=True)
