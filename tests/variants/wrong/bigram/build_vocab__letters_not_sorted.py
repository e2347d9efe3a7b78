"""letters not sorted"""

def build_vocab(words):
    chars = []
    for w in words:
        for c in w:
            if c not in chars and c != ".":
                chars.append(c)
    stoi = {".": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    return stoi, {i: c for c, i in stoi.items()}
