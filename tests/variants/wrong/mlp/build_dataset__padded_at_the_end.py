"""padded at the end"""

def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for i, ch in enumerate(w + "."):
            X.append(list(context))
            Y.append(stoi[ch])
            context = ([stoi[c] for c in w[max(0, i + 1 - block_size):i + 1]] + [0] * block_size)[:block_size]
    return torch.tensor(X), torch.tensor(Y)
