"""torch.cat of one tensor per word"""

def bigram_pairs(words, stoi):
    seqs = [torch.tensor([0] + [stoi[c] for c in w] + [0], dtype=torch.long) for w in words]
    return torch.cat([s[:-1] for s in seqs]), torch.cat([s[1:] for s in seqs])
