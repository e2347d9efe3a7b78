"""three tuples"""

import copy

def split_words(words, seed=42):
    shuffled = copy.copy(words)
    random.Random(seed).shuffle(shuffled)
    shuffled = tuple(shuffled)
    n = len(shuffled)
    return shuffled[:int(0.8 * n)], shuffled[int(0.8 * n):int(0.9 * n)], shuffled[int(0.9 * n):]
