"""sign forgotten"""

def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    return probs[xs, ys].log().mean().item()
