"""float counts"""

def count_bigrams(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)))
    for w in words:
        chs = "." + w + "."
        for a, b in zip(chs, chs[1:]):
            N[stoi[a], stoi[b]] += 1
    return N
