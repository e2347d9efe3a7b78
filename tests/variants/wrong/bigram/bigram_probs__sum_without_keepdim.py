"""sum without keepdim"""

def bigram_probs(counts, smoothing=1.0):
    P = counts.float() + smoothing
    return P / P.sum(1)
