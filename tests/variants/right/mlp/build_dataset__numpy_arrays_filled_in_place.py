"""numpy arrays filled in place"""

import numpy as np

def build_dataset(words, stoi, block_size=3):
    n = sum(len(w) + 1 for w in words)
    X = np.zeros((n, block_size), dtype=np.int64)
    Y = np.zeros(n, dtype=np.int64)
    row = 0
    for w in words:
        ids = [0] * block_size + [stoi[c] for c in w + "."]
        for t in range(len(w) + 1):
            X[row] = ids[t:t + block_size]
            Y[row] = ids[t + block_size]
            row += 1
    return torch.from_numpy(X), torch.from_numpy(Y)
