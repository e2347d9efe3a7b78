"""smoothing added after normalising"""

def bigram_probs(counts, smoothing=1.0):
    P = counts.float() / counts.float().sum(1, keepdim=True)
    P = P + smoothing
    return P / P.sum(1, keepdim=True)
