"""context newest-first: [ix] + context[:-1]"""

def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = [ix] + context[:-1]
    return torch.tensor(X, dtype=torch.int64).view(-1, block_size), torch.tensor(Y, dtype=torch.int64)
