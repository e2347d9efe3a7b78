"""collections.Counter"""

from collections import Counter

def count_bigrams(words, stoi):
    pairs = Counter()
    for w in words:
        w = "." + w + "."
        pairs.update(zip(w, w[1:]))
    N = torch.zeros(len(stoi), len(stoi), dtype=torch.long)
    for (a, b), k in pairs.items():
        N[stoi[a], stoi[b]] = k
    return N
