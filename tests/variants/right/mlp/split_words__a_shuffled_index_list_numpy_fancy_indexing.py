"""a shuffled index list, numpy fancy indexing"""

import numpy as np

def split_words(words, seed=42):
    perm = list(range(len(words)))
    random.Random(seed).shuffle(perm)          # the same swaps as shuffling the words themselves
    shuffled = np.array(words, dtype=object)[perm] if perm else np.array([], dtype=object)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return tuple(part.tolist() for part in np.split(shuffled, [n1, n2]))
