"""vectorised, float32, returns a 0-d tensor"""

def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    return -torch.log(probs[xs, ys]).mean()
