"""context carried across words"""

def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    context = [0] * block_size
    for w in words:
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y)
