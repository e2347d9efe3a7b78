"""numpy arrays, returned as a list"""

import numpy as np

def bigram_pairs(words, stoi):
    idx = [np.array([stoi[c] for c in "." + w + "."], dtype=np.int64) for w in words]
    xs = np.concatenate([i[:-1] for i in idx])
    ys = np.concatenate([i[1:] for i in idx])
    return [torch.from_numpy(xs), torch.from_numpy(ys)]
