"""'.' sorted among the letters"""

def build_vocab(words):
    chars = sorted(set("".join(words)) | {"."})
    stoi = {c: i for i, c in enumerate(chars)}
    return stoi, {i: c for c, i in stoi.items()}
