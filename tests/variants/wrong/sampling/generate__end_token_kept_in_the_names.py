"""end token kept in the names"""

def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    names = []
    for _ in range(n):
        context, out = [0] * block_size, []
        while len(out) < max_len:
            logits = next_logits(torch.tensor([context]))
            ix = sample_next(logits, temperature, top_k, generator)[0].item()
            out.append(itos[ix])
            if ix == 0:
                break
            context = context[1:] + [ix]
        names.append("".join(out))
    return names
