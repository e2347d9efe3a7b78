"""end token missing"""

def bigram_pairs(words, stoi):
    xs, ys = [], []
    for w in words:
        chs = [0] + [stoi[c] for c in w]
        xs.extend(chs[:-1])
        ys.extend(chs[1:])
    return torch.tensor(xs), torch.tensor(ys)
