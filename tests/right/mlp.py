"""Correct versions of lecture 3's MLP exercises in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- split_words
    ("mlp.split_words", "a copy by slicing, returned as a list", '''
def split_words(words, seed=42):
    words = words[:]
    rng = random.Random(seed)
    rng.shuffle(words)
    n1 = int(0.8 * len(words))
    n2 = int(0.9 * len(words))
    return [words[:n1], words[n1:n2], words[n2:]]
'''),
    ("mlp.split_words", "a shuffled index list, numpy fancy indexing", '''
import numpy as np

def split_words(words, seed=42):
    perm = list(range(len(words)))
    random.Random(seed).shuffle(perm)          # the same swaps as shuffling the words themselves
    shuffled = np.array(words, dtype=object)[perm] if perm else np.array([], dtype=object)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return tuple(part.tolist() for part in np.split(shuffled, [n1, n2]))
'''),
    ("mlp.split_words", "three tuples", '''
import copy

def split_words(words, seed=42):
    shuffled = copy.copy(words)
    random.Random(seed).shuffle(shuffled)
    shuffled = tuple(shuffled)
    n = len(shuffled)
    return shuffled[:int(0.8 * n)], shuffled[int(0.8 * n):int(0.9 * n)], shuffled[int(0.9 * n):]
'''),
    # ---------------------------------------------------------------- build_dataset
    ("mlp.build_dataset", "lecture style: context = context[1:] + [ix], torch.tensor(X)", '''
def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    return X, Y
'''),
    ("mlp.build_dataset", "numpy arrays filled in place", '''
import numpy as np

def build_dataset(words, stoi, block_size=3):
    n = sum(len(w) + 1 for w in words)
    X = np.zeros((n, block_size), dtype=np.int64)
    Y = np.zeros(n, dtype=np.int64)
    row = 0
    for w in words:
        ids = [0] * block_size + [stoi[c] for c in w + "."]
        for t in range(len(w) + 1):
            X[row] = ids[t:t + block_size]
            Y[row] = ids[t + block_size]
            row += 1
    return torch.from_numpy(X), torch.from_numpy(Y)
'''),
    ("mlp.build_dataset", "padded tensor per word, unfold", '''
def build_dataset(words, stoi, block_size=3):
    xs, ys = [], []
    for w in words:
        ids = torch.tensor([0] * block_size + [stoi[c] for c in w + "."], dtype=torch.int64)
        xs.append(ids.unfold(0, block_size, 1)[:-1])
        ys.append(ids[block_size:])
    return torch.cat(xs), torch.cat(ys)
'''),
    ("mlp.build_dataset", "a deque of maxlen block_size", '''
from collections import deque

def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = deque([0] * block_size, maxlen=block_size)
        for ch in w + ".":
            X.append(list(context))
            Y.append(stoi[ch])
            context.append(stoi[ch])
    return torch.tensor(X, dtype=torch.long).reshape(-1, block_size), torch.tensor(Y, dtype=torch.long)
'''),
    # ---------------------------------------------------------------- embed
    ("mlp.embed", "lecture style: emb.view(emb.shape[0], -1)", '''
def embed(C, X):
    emb = C[X]
    return emb.view(emb.shape[0], -1)
'''),
    ("mlp.embed", "torch.cat of one slice per position", '''
def embed(C, X):
    emb = C[X]
    return torch.cat([emb[:, i, :] for i in range(X.shape[1])], dim=1)
'''),
    ("mlp.embed", "F.one_hot @ C", '''
import torch.nn.functional as F

def embed(C, X):
    return (F.one_hot(X, C.shape[0]).to(C.dtype) @ C).flatten(start_dim=1)
'''),
    ("mlp.embed", "F.embedding", '''
import torch.nn.functional as F

def embed(C, X):
    N, block_size = X.shape
    return F.embedding(X, C).reshape(N, block_size * C.shape[1])
'''),
    # ---------------------------------------------------------------- init_params
    ("mlp.init_params", "lecture style: p.requires_grad = True in a loop", '''
def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((block_size * n_embd, n_hidden), generator=g)
    b1 = torch.randn(n_hidden, generator=g)
    W2 = torch.randn((n_hidden, vocab_size), generator=g)
    b2 = torch.randn(vocab_size, generator=g)
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    return dict(C=C, W1=W1, b1=b1, W2=W2, b2=b2)
'''),
    ("mlp.init_params", "nn.Parameter, drawn in another order", '''
import torch.nn as nn

def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def draw(*shape):
        return nn.Parameter(torch.empty(shape).normal_(generator=generator))
    params = {}
    params["b2"] = draw(vocab_size)
    params["W2"] = draw(n_hidden, vocab_size)
    params["b1"] = draw(n_hidden)
    params["W1"] = draw(block_size * n_embd, n_hidden)
    params["C"] = draw(vocab_size, n_embd)
    return params
'''),
    ("mlp.init_params", "one flat draw split into pieces", '''
import math

def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    shapes = [("C", (vocab_size, n_embd)), ("W1", (block_size * n_embd, n_hidden)), ("b1", (n_hidden,)),
              ("W2", (n_hidden, vocab_size)), ("b2", (vocab_size,))]
    flat = torch.randn(sum(math.prod(s) for _, s in shapes), generator=generator)
    pieces = flat.split([math.prod(s) for _, s in shapes])
    return {name: piece.reshape(shape).clone().requires_grad_(True) for (name, shape), piece in zip(shapes, pieces)}
'''),
    # ---------------------------------------------------------------- forward
    ("mlp.forward", "lecture style: emb.view(-1, W1.shape[0])", '''
def forward(params, X):
    C, W1, b1, W2, b2 = (params[k] for k in ("C", "W1", "b1", "W2", "b2"))
    emb = C[X]
    h = torch.tanh(emb.view(-1, W1.shape[0]) @ W1 + b1)
    logits = h @ W2 + b2
    return logits
'''),
    ("mlp.forward", "F.linear with transposed weights", '''
import torch.nn.functional as F

def forward(params, X):
    h = F.linear(embed(params["C"], X), params["W1"].T, params["b1"]).tanh()
    return F.linear(h, params["W2"].T, params["b2"])
'''),
    ("mlp.forward", "torch.addmm and einsum", '''
def forward(params, X):
    emb = torch.einsum("nbv,vd->nbd", torch.nn.functional.one_hot(X, params["C"].shape[0]).float(), params["C"])
    h = torch.addmm(params["b1"], emb.reshape(X.shape[0], -1), params["W1"]).tanh()
    return torch.addmm(params["b2"], h, params["W2"])
'''),
    # ---------------------------------------------------------------- cross_entropy
    ("mlp.cross_entropy", "torch.logsumexp", '''
def cross_entropy(logits, Y):
    return (torch.logsumexp(logits, dim=1) - logits[torch.arange(logits.shape[0]), Y]).mean()
'''),
    ("mlp.cross_entropy", "log-softmax by hand, the max not detached", '''
def cross_entropy(logits, Y):
    shifted = logits - logits.max(1, keepdim=True).values
    logprobs = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -logprobs.gather(1, Y.unsqueeze(1)).mean()
'''),
    ("mlp.cross_entropy", "F.one_hot selects the targets", '''
import torch.nn.functional as F

def cross_entropy(logits, Y):
    N, V = logits.shape
    m = logits.amax(dim=1, keepdim=True)
    logprobs = logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()
    return -(F.one_hot(Y, V) * logprobs).sum() / N
'''),
    ("mlp.cross_entropy", "in float64, cast back to float32", '''
def cross_entropy(logits, Y):
    z = logits.double()
    z = z - z.max(dim=1, keepdim=True).values
    loss = z.exp().sum(dim=1).log() - z[range(len(Y)), Y]
    return loss.mean().float()
'''),
    # ---------------------------------------------------------------- train
    ("mlp.train", "lecture style: p.data += -lr * p.grad, F.cross_entropy", '''
import torch.nn.functional as F

def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    parameters = list(params.values())
    lossi = []
    for i in range(steps):
        ix = torch.randint(0, X.shape[0], (batch_size,), generator=generator)
        logits = forward(params, X[ix])
        loss = F.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        rate = lr(i) if callable(lr) else lr
        for p in parameters:
            p.data += -rate * p.grad
        lossi.append(loss.item())
    return lossi
'''),
    ("mlp.train", "torch.optim.SGD with a LambdaLR scheduler", '''
def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    opt = torch.optim.SGD(params.values(), lr=1.0 if callable(lr) else lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr) if callable(lr) else None
    losses = []
    for _ in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses
'''),
    ("mlp.train", "torch.autograd.grad, batches from randperm", '''
def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    names = list(params)
    losses = []
    for step in range(steps):
        ix = torch.randperm(X.shape[0], generator=generator)[:batch_size]
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        grads = torch.autograd.grad(loss, [params[k] for k in names])
        rate = lr(step) if callable(lr) else lr
        with torch.no_grad():
            for k, g in zip(names, grads):
                params[k].sub_(rate * g)
        losses.append(loss.detach())          # 0-d tensors: numbers too
    return losses
'''),
    # ---------------------------------------------------------------- evaluate
    ("mlp.evaluate", "returns a 0-d tensor", '''
def evaluate(params, X, Y):
    with torch.no_grad():
        return cross_entropy(forward(params, X), Y)
'''),
    ("mlp.evaluate", "@torch.no_grad() decorator, F.cross_entropy", '''
import torch.nn.functional as F

@torch.no_grad()
def evaluate(params, X, Y):
    return F.cross_entropy(forward(params, X), Y).item()
'''),
    ("mlp.evaluate", "torch.inference_mode, in chunks", '''
def evaluate(params, X, Y):
    total = 0.0
    with torch.inference_mode():
        for xb, yb in zip(X.split(100), Y.split(100)):
            total += cross_entropy(forward(params, xb), yb).item() * len(yb)
    return total / len(Y)
'''),
]
