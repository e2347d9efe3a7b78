"""padded tensor per word, unfold"""

def build_dataset(words, stoi, block_size=3):
    xs, ys = [], []
    for w in words:
        ids = torch.tensor([0] * block_size + [stoi[c] for c in w + "."], dtype=torch.int64)
        xs.append(ids.unfold(0, block_size, 1)[:-1])
        ys.append(ids[block_size:])
    return torch.cat(xs), torch.cat(ys)
