"""a batch that shrinks as names end"""

def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    names = [""] * n
    alive = list(range(n))
    context = torch.zeros((n, block_size), dtype=torch.long)
    for _ in range(max_len):
        if not alive:
            break
        with torch.no_grad():
            ix = sample_next(next_logits(context), temperature=temperature, top_k=top_k, generator=generator)
        still = []
        for row, (name_ix, c) in enumerate(zip(alive, ix.tolist())):
            if c != 0:
                names[name_ix] += itos[c]
                still.append(row)
        context = torch.cat([context[:, 1:], ix.unsqueeze(1)], dim=1)[still]
        alive = [alive[r] for r in still]
    return names
