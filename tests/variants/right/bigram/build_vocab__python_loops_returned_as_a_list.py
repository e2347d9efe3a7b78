"""Python loops, returned as a list"""

def build_vocab(words):
    seen = []
    for w in words:
        for ch in w:
            if ch != "." and ch not in seen:
                seen.append(ch)
    seen.sort()
    stoi, itos = {".": 0}, {0: "."}
    for i, ch in enumerate(seen):
        stoi[ch] = i + 1
        itos[i + 1] = ch
    return [stoi, itos]
