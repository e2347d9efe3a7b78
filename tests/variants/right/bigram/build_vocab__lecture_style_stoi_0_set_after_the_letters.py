"""lecture style: stoi['.'] = 0 set after the letters"""

def build_vocab(words):
    chars = sorted(list(set("".join(words)) - {"."}))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos
