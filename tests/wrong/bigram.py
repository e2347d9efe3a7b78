"""Common wrong versions of lecture 2's exercises (see tests/wrong/__init__.py)."""

CASES = [
    ("bigram.build_vocab", "the lecture's code on words with '.' inside: an index skipped", '''
def build_vocab(words):
    chars = sorted(list(set("".join(words))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos
''', "dot"),
    ("bigram.build_vocab", "'.' sorted among the letters", '''
def build_vocab(words):
    chars = sorted(set("".join(words)) | {"."})
    stoi = {c: i for i, c in enumerate(chars)}
    return stoi, {i: c for c, i in stoi.items()}
''', "order"),
    ("bigram.build_vocab", "letters not sorted", '''
def build_vocab(words):
    chars = []
    for w in words:
        for c in w:
            if c not in chars and c != ".":
                chars.append(c)
    stoi = {".": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    return stoi, {i: c for c, i in stoi.items()}
''', "order"),
    ("bigram.count_bigrams", "start and end token missing", '''
def count_bigrams(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int64)
    for w in words:
        for a, b in zip(w, w[1:]):
            N[stoi[a], stoi[b]] += 1
    return N
''', "wrap"),
    ("bigram.count_bigrams", "assumes 27 characters", '''
def count_bigrams(words, stoi):
    N = torch.zeros((27, 27), dtype=torch.int64)
    for w in words:
        chs = "." + w + "."
        for a, b in zip(chs, chs[1:]):
            N[stoi[a], stoi[b]] += 1
    return N
''', "size"),
    ("bigram.count_bigrams", "float counts", '''
def count_bigrams(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)))
    for w in words:
        chs = "." + w + "."
        for a, b in zip(chs, chs[1:]):
            N[stoi[a], stoi[b]] += 1
    return N
''', "dtype"),
    ("bigram.bigram_probs", "sum without keepdim", '''
def bigram_probs(counts, smoothing=1.0):
    P = counts.float() + smoothing
    return P / P.sum(1)
''', "keepdim"),
    ("bigram.bigram_probs", "smoothing ignored", '''
def bigram_probs(counts, smoothing=1.0):
    P = counts.float()
    return P / P.sum(1, keepdim=True)
''', "order"),
    ("bigram.bigram_probs", "smoothing added after normalising", '''
def bigram_probs(counts, smoothing=1.0):
    P = counts.float() / counts.float().sum(1, keepdim=True)
    P = P + smoothing
    return P / P.sum(1, keepdim=True)
''', "order"),
    ("bigram.nll", "sum instead of mean", '''
def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    return -probs[xs, ys].log().sum().item()
''', "mean"),
    ("bigram.nll", "start and end left out", '''
def nll(probs, words, stoi):
    logs = [probs[stoi[a], stoi[b]].log().item() for w in words for a, b in zip(w, w[1:])]
    return -sum(logs) / len(logs)
''', "every"),
    ("bigram.nll", "sign forgotten", '''
def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    return probs[xs, ys].log().mean().item()
''', "sign"),
    ("bigram.sample_names", "argmax instead of a draw", '''
def sample_names(probs, itos, n, generator=None):
    names = []
    for _ in range(n):
        out, ix = [], 0
        while True:
            ix = probs[ix].argmax().item()
            if ix == 0 or len(out) > 20:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
''', "draw"),
    ("bigram.sample_names", "generator ignored", '''
def sample_names(probs, itos, n, generator=None):
    names = []
    for _ in range(n):
        out, ix = [], 0
        while True:
            ix = torch.multinomial(probs[ix], 1).item()
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
''', "generator"),
    ("bigram.sample_names", "dots kept in the names", '''
def sample_names(probs, itos, n, generator=None):
    names = []
    for _ in range(n):
        out, ix = ["."], 0
        while True:
            ix = torch.multinomial(probs[ix], 1, generator=generator).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    return names
''', "stop"),
    ("bigram.bigram_pairs", "end token missing", '''
def bigram_pairs(words, stoi):
    xs, ys = [], []
    for w in words:
        chs = [0] + [stoi[c] for c in w]
        xs.extend(chs[:-1])
        ys.extend(chs[1:])
    return torch.tensor(xs), torch.tensor(ys)
''', "wrap"),
    ("bigram.train_neural_bigram", "regularisation ignored", '''
def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), generator=generator, requires_grad=True)
    xenc = F.one_hot(xs, num_classes=vocab_size).float()
    for _ in range(steps):
        loss = F.cross_entropy(xenc @ W, ys)
        W.grad = None
        loss.backward()
        W.data -= lr * W.grad
    return W.detach()
''', "reg"),
    ("bigram.train_neural_bigram", "gradient never zeroed", '''
def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), generator=generator, requires_grad=True)
    xenc = F.one_hot(xs, num_classes=vocab_size).float()
    for _ in range(steps):
        loss = F.cross_entropy(xenc @ W, ys) + reg * (W ** 2).mean()
        loss.backward()
        W.data -= lr * W.grad
    return W.detach()
''', "grad"),
    ("bigram.train_neural_bigram", "generator ignored", '''
def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), requires_grad=True)
    xenc = F.one_hot(xs, num_classes=vocab_size).float()
    for _ in range(steps):
        loss = F.cross_entropy(xenc @ W, ys) + reg * (W ** 2).mean()
        W.grad = None
        loss.backward()
        W.data -= lr * W.grad
    return W.detach()
''', "generator"),
]
