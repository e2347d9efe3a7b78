"""a deque of maxlen block_size"""

from collections import deque

def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = deque([0] * block_size, maxlen=block_size)
        for ch in w + ".":
            X.append(list(context))
            Y.append(stoi[ch])
            context.append(stoi[ch])
    return torch.tensor(X, dtype=torch.long).reshape(-1, block_size), torch.tensor(Y, dtype=torch.long)
