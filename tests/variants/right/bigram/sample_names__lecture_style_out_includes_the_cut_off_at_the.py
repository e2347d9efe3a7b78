"""lecture style: out includes the '.', cut off at the end"""

def sample_names(probs, itos, n, generator=None):
    names = []
    for i in range(n):
        out = []
        ix = 0
        while True:
            p = probs[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=generator).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out[:-1]))
    return names
