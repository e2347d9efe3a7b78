"""inverse CDF: torch.rand and searchsorted"""

def sample_names(probs, itos, n, generator=None):
    cdf = probs.double().cumsum(1)
    cdf = cdf / cdf[:, -1:]
    names = []
    for _ in range(n):
        name, ix = "", 0
        while True:
            u = torch.rand(1, generator=generator, dtype=torch.float64)
            ix = min(int(torch.searchsorted(cdf[ix], u, right=True)), probs.shape[1] - 1)
            if ix == 0:
                break
            name += itos[ix]
        names.append(name)
    return names
