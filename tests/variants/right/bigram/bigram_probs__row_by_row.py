"""row by row"""

def bigram_probs(counts, smoothing=1.0):
    rows = []
    for row in counts:
        r = row.float() + smoothing
        rows.append(r / r.sum())
    return torch.stack(rows)
