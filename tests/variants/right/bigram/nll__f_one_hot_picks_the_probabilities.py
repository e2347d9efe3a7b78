"""F.one_hot picks the probabilities"""

def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    picked = (F.one_hot(ys, probs.shape[1]).float() * probs[xs]).sum(1)
    return -picked.log().mean()
