"""lecture style: P /= P.sum(1, keepdims=True)"""

def bigram_probs(counts, smoothing=1.0):
    P = (counts + smoothing).float()
    P /= P.sum(1, keepdims=True)
    return P
