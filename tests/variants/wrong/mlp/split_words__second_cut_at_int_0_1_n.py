"""second cut at int(0.1 n)"""

def split_words(words, seed=42):
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.1 * len(words))
    return words[:n1], words[n1:n2], words[n2:]
