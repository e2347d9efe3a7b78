"""generator ignored"""

def sample_names(probs, itos, n, generator=None):
    names = []
    for _ in range(n):
        out, ix = [], 0
        while True:
            ix = torch.multinomial(probs[ix], 1).item()
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
