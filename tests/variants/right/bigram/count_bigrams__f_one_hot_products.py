"""F.one_hot products"""

def count_bigrams(words, stoi):
    V = len(stoi)
    xs = torch.tensor([stoi[c] for w in words for c in "." + w], dtype=torch.int64)
    ys = torch.tensor([stoi[c] for w in words for c in w + "."], dtype=torch.int64)
    return F.one_hot(xs, V).T @ F.one_hot(ys, V)
