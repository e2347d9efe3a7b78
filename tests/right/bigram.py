"""Correct versions of lecture 2's bigram exercises in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- build_vocab
    ("bigram.build_vocab", "lecture style: stoi['.'] = 0 set after the letters", '''
def build_vocab(words):
    chars = sorted(list(set("".join(words)) - {"."}))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos
'''),
    ("bigram.build_vocab", "Python loops, returned as a list", '''
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
'''),
    ("bigram.build_vocab", "zip and enumerate, itos built in reverse order", '''
def build_vocab(words):
    chars = ["."] + sorted(set("".join(words)).difference("."))
    stoi = dict(zip(chars, range(len(chars))))
    itos = dict(reversed(list(enumerate(chars))))
    return stoi, itos
'''),
    # ---------------------------------------------------------------- count_bigrams
    ("bigram.count_bigrams", "lecture style: a Python double loop", '''
def count_bigrams(words, stoi):
    N = torch.zeros((len(stoi), len(stoi)), dtype=torch.int64)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
    return N
'''),
    ("bigram.count_bigrams", "numpy round trip with np.add.at", '''
import numpy as np

def count_bigrams(words, stoi):
    V = len(stoi)
    a = np.array([stoi[c] for w in words for c in "." + w], dtype=np.int64)
    b = np.array([stoi[c] for w in words for c in w + "."], dtype=np.int64)
    N = np.zeros((V, V), dtype=np.int64)
    np.add.at(N, (a, b), 1)
    return torch.from_numpy(N)
'''),
    ("bigram.count_bigrams", "F.one_hot products", '''
def count_bigrams(words, stoi):
    V = len(stoi)
    xs = torch.tensor([stoi[c] for w in words for c in "." + w], dtype=torch.int64)
    ys = torch.tensor([stoi[c] for w in words for c in w + "."], dtype=torch.int64)
    return F.one_hot(xs, V).T @ F.one_hot(ys, V)
'''),
    ("bigram.count_bigrams", "collections.Counter", '''
from collections import Counter

def count_bigrams(words, stoi):
    pairs = Counter()
    for w in words:
        w = "." + w + "."
        pairs.update(zip(w, w[1:]))
    N = torch.zeros(len(stoi), len(stoi), dtype=torch.long)
    for (a, b), k in pairs.items():
        N[stoi[a], stoi[b]] = k
    return N
'''),
    # ---------------------------------------------------------------- bigram_probs
    ("bigram.bigram_probs", "lecture style: P /= P.sum(1, keepdims=True)", '''
def bigram_probs(counts, smoothing=1.0):
    P = (counts + smoothing).float()
    P /= P.sum(1, keepdims=True)
    return P
'''),
    ("bigram.bigram_probs", "numpy round trip in float64", '''
import numpy as np

def bigram_probs(counts, smoothing=1.0):
    a = counts.numpy().astype(np.float64) + smoothing
    return torch.tensor(a / a.sum(axis=1, keepdims=True), dtype=torch.float32)
'''),
    ("bigram.bigram_probs", "F.normalize with p=1", '''
def bigram_probs(counts, smoothing=1.0):
    return F.normalize(counts.to(torch.float32) + smoothing, p=1, dim=1)
'''),
    ("bigram.bigram_probs", "row by row", '''
def bigram_probs(counts, smoothing=1.0):
    rows = []
    for row in counts:
        r = row.float() + smoothing
        rows.append(r / r.sum())
    return torch.stack(rows)
'''),
    # ---------------------------------------------------------------- nll
    ("bigram.nll", "lecture style: a float32 running sum of log-probabilities, a 0-d tensor", '''
def nll(probs, words, stoi):
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            prob = probs[ix1, ix2]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood
    return nll / n
'''),
    ("bigram.nll", "vectorised, float32, returns a 0-d tensor", '''
def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    return -torch.log(probs[xs, ys]).mean()
'''),
    ("bigram.nll", "plain Python: math.log over probs.tolist()", '''
import math

def nll(probs, words, stoi):
    P = probs.tolist()
    total, n = 0.0, 0
    for w in words:
        ix = [stoi[c] for c in "." + w + "."]
        for a, b in zip(ix, ix[1:]):
            total -= math.log(P[a][b])
            n += 1
    return total / n
'''),
    ("bigram.nll", "F.one_hot picks the probabilities", '''
def nll(probs, words, stoi):
    xs, ys = bigram_pairs(words, stoi)
    picked = (F.one_hot(ys, probs.shape[1]).float() * probs[xs]).sum(1)
    return -picked.log().mean()
'''),
    # ---------------------------------------------------------------- sample_names
    ("bigram.sample_names", "lecture style: out includes the '.', cut off at the end", '''
def sample_names(probs, itos, n, generator=None):
    names = []
    for i in range(n):
        out = []
        ix = 0
        while True:
            p = probs[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=generator).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out[:-1]))
    return names
'''),
    ("bigram.sample_names", "inverse CDF: torch.rand and searchsorted", '''
def sample_names(probs, itos, n, generator=None):
    cdf = probs.double().cumsum(1)
    cdf = cdf / cdf[:, -1:]
    names = []
    for _ in range(n):
        name, ix = "", 0
        while True:
            u = torch.rand(1, generator=generator, dtype=torch.float64)
            ix = min(int(torch.searchsorted(cdf[ix], u, right=True)), probs.shape[1] - 1)
            if ix == 0:
                break
            name += itos[ix]
        names.append(name)
    return names
'''),
    ("bigram.sample_names", "numpy Generator seeded from the torch generator, a tuple of names", '''
import numpy as np

def sample_names(probs, itos, n, generator=None):
    seed = torch.randint(0, 2**31 - 1, (1,), generator=generator).item()
    rng = np.random.default_rng(seed)
    P = probs.double().numpy()
    P = P / P.sum(axis=1, keepdims=True)
    names = []
    for _ in range(n):
        chars, ix = [], int(rng.choice(len(P), p=P[0]))
        while ix != 0:
            chars.append(itos[ix])
            ix = int(rng.choice(len(P), p=P[ix]))
        names.append("".join(chars))
    return tuple(names)
'''),
    # ---------------------------------------------------------------- bigram_pairs
    ("bigram.bigram_pairs", "lecture style: zip over the characters, torch.tensor of lists", '''
def bigram_pairs(words, stoi):
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    return torch.tensor(xs), torch.tensor(ys)
'''),
    ("bigram.bigram_pairs", "numpy arrays, returned as a list", '''
import numpy as np

def bigram_pairs(words, stoi):
    idx = [np.array([stoi[c] for c in "." + w + "."], dtype=np.int64) for w in words]
    xs = np.concatenate([i[:-1] for i in idx])
    ys = np.concatenate([i[1:] for i in idx])
    return [torch.from_numpy(xs), torch.from_numpy(ys)]
'''),
    ("bigram.bigram_pairs", "torch.cat of one tensor per word", '''
def bigram_pairs(words, stoi):
    seqs = [torch.tensor([0] + [stoi[c] for c in w] + [0], dtype=torch.long) for w in words]
    return torch.cat([s[:-1] for s in seqs]), torch.cat([s[1:] for s in seqs])
'''),
    # ---------------------------------------------------------------- train_neural_bigram
    ("bigram.train_neural_bigram", "lecture style: exp, normalise, W.data += -lr * W.grad", '''
def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), generator=generator, requires_grad=True)
    num = xs.nelement()
    for k in range(steps):
        xenc = F.one_hot(xs, num_classes=vocab_size).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + reg * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W
'''),
    ("bigram.train_neural_bigram", "torch.optim.SGD, W[xs] indexing, F.cross_entropy", '''
def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn(vocab_size, vocab_size, generator=generator).requires_grad_()
    opt = torch.optim.SGD([W], lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(W[xs], ys) + reg * W.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return W.detach()
'''),
    ("bigram.train_neural_bigram", "torch.func.grad, a functional update", '''
from torch.func import grad

def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    def loss_fn(W):
        return F.nll_loss(F.log_softmax(W[xs], dim=1), ys) + reg * (W * W).mean()
    W = torch.randn((vocab_size, vocab_size), generator=generator)
    for _ in range(steps):
        W = W - lr * grad(loss_fn)(W)
    return W
'''),
    ("bigram.train_neural_bigram", "numpy by hand, in float64, W returned as float64", '''
import numpy as np

def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), generator=generator).double().numpy()
    x, y = xs.numpy(), ys.numpy()
    n = len(x)
    for _ in range(steps):
        logits = W[x]
        logits = logits - logits.max(1, keepdims=True)
        probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        dlogits = probs
        dlogits[np.arange(n), y] -= 1
        dW = np.zeros_like(W)
        np.add.at(dW, x, dlogits / n)
        dW += reg * 2 * W / W.size
        W = W - lr * dW
    return torch.from_numpy(W)
'''),
]
