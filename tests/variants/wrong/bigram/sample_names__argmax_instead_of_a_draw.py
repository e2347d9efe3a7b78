"""argmax instead of a draw"""

def sample_names(probs, itos, n, generator=None):
    names = []
    for _ in range(n):
        out, ix = [], 0
        while True:
            ix = probs[ix].argmax().item()
            if ix == 0 or len(out) > 20:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
