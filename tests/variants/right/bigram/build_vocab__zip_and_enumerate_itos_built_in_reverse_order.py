"""zip and enumerate, itos built in reverse order"""

def build_vocab(words):
    chars = ["."] + sorted(set("".join(words)).difference("."))
    stoi = dict(zip(chars, range(len(chars))))
    itos = dict(reversed(list(enumerate(chars))))
    return stoi, itos
