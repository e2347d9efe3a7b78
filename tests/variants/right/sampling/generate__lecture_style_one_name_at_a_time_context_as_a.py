"""lecture style: one name at a time, context as a list"""

def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    names = []
    for _ in range(n):
        out = []
        context = [0] * block_size
        while True:
            logits = next_logits(torch.tensor([context]))
            ix = sample_next(logits, temperature, top_k, generator).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            out.append(itos[ix])
            if len(out) >= max_len:
                break
        names.append("".join(out))
    return names
