"""a copy by slicing, returned as a list"""

def split_words(words, seed=42):
    words = words[:]
    rng = random.Random(seed)
    rng.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    return [words[:n1], words[n1:n2], words[n2:]]
