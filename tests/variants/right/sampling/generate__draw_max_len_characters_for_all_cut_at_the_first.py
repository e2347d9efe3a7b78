"""draw max_len characters for all, cut at the first '.' afterwards, a tuple"""

def generate(next_logits, itos, n, block_size, temperature=1.0, top_k=None, generator=None, max_len=50):
    context = torch.zeros(n, block_size, dtype=torch.int64)
    drawn = []
    for _ in range(max_len):
        ix = sample_next(next_logits(context).detach(), temperature, top_k, generator)
        drawn.append(ix)
        context = torch.cat([context[:, 1:], ix[:, None]], dim=1)
    rows = torch.stack(drawn, dim=1).tolist() if drawn else [[] for _ in range(n)]
    names = []
    for row in rows:
        end = row.index(0) if 0 in row else len(row)
        names.append("".join(itos[i] for i in row[:end]))
    return tuple(names)
