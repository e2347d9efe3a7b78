"""start and end token missing"""

def count_bigrams(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int64)
    for w in words:
        for a, b in zip(w, w[1:]):
            N[stoi[a], stoi[b]] += 1
    return N
