"""dots kept in the names"""

def sample_names(probs, itos, n, generator=None):
    names = []
    for _ in range(n):
        out, ix = ["."], 0
        while True:
            ix = torch.multinomial(probs[ix], 1, generator=generator).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    return names
