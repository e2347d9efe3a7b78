"""lecture style: a Python double loop"""

def count_bigrams(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int64)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    return N
