"""random.Random(seed).sample instead of .shuffle"""

def split_words(words, seed=42):
    shuffled = random.Random(seed).sample(words, len(words))
    n1, n2 = int(0.8 * len(shuffled)), int(0.9 * len(shuffled))
    return shuffled[:n1], shuffled[n1:n2], shuffled[n2:]
