"""plain Python: math.log over probs.tolist()"""

import math

def nll(probs, words, stoi):
    P = probs.tolist()
    total, n = 0.0, 0
    for w in words:
        ix = [stoi[c] for c in "." + w + "."]
        for a, b in zip(ix, ix[1:]):
            total -= math.log(P[a][b])
            n += 1
    return total / n
