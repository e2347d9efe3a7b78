"""assumes 27 characters"""

def count_bigrams(words, stoi):
    N = torch.zeros((27, 27), dtype=torch.int64)
    for w in words:
        chs = "." + w + "."
        for a, b in zip(chs, chs[1:]):
            N[stoi[a], stoi[b]] += 1
    return N
