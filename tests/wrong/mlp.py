"""Common wrong versions of lecture 3's MLP exercises (see tests/wrong/__init__.py)."""

CASES = [
    ("mlp.split_words", "random.Random(seed).sample instead of .shuffle", '''
def split_words(words, seed=42):
    shuffled = random.Random(seed).sample(words, len(words))
    n1, n2 = int(0.8 * len(shuffled)), int(0.9 * len(shuffled))
    return shuffled[:n1], shuffled[n1:n2], shuffled[n2:]
''', "seed"),
    ("mlp.split_words", "shuffles the caller's list", '''
def split_words(words, seed=42):
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]
''', "copy"),
    ("mlp.split_words", "seed ignored (unseeded shuffle)", '''
def split_words(words, seed=42):
    words = list(words)
    random.shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]
''', "seed"),
    ("mlp.split_words", "seed ignored (always 42)", '''
def split_words(words, seed=42):
    words = list(words)
    random.Random(42).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    return words[:n1], words[n1:n2], words[n2:]
''', "seed"),
    ("mlp.split_words", "second cut at int(0.1 n)", '''
def split_words(words, seed=42):
    words = list(words)
    random.Random(seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.1 * len(words))
    return words[:n1], words[n1:n2], words[n2:]
''', "cuts"),
    ("mlp.build_dataset", "padded at the end", '''
def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for i, ch in enumerate(w + "."):
            X.append(list(context))
            Y.append(stoi[ch])
            context = ([stoi[c] for c in w[max(0, i + 1 - block_size):i + 1]] + [0] * block_size)[:block_size]
    return torch.tensor(X), torch.tensor(Y)
''', "pad"),
    ("mlp.build_dataset", "context carried across words", '''
def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    context = [0] * block_size
    for w in words:
        for ch in w + ".":
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y)
''', "reset"),
    ("mlp.build_dataset", "end token left out", '''
def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w:
            X.append(context)
            Y.append(stoi[ch])
            context = context[1:] + [stoi[ch]]
    return torch.tensor(X), torch.tensor(Y)
''', "end"),
    ("mlp.embed", "embeddings interleaved (transpose before the reshape)", '''
def embed(C, X):
    return C[X].transpose(1, 2).reshape(X.shape[0], -1)
''', "order"),
    ("mlp.embed", "C detached", '''
def embed(C, X):
    return C.detach()[X].reshape(X.shape[0], -1)
''', "graph"),
    ("mlp.init_params", "scaled after requires_grad: not leaves", '''
def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def draw(*shape):
        return torch.randn(shape, generator=generator, requires_grad=True) * 1.0
    return {"C": draw(vocab_size, n_embd), "W1": draw(block_size * n_embd, n_hidden), "b1": draw(n_hidden),
            "W2": draw(n_hidden, vocab_size), "b2": draw(vocab_size)}
''', "leaf"),
    ("mlp.init_params", "generator ignored", '''
def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def draw(*shape):
        return torch.randn(shape, requires_grad=True)
    return {"C": draw(vocab_size, n_embd), "W1": draw(block_size * n_embd, n_hidden), "b1": draw(n_hidden),
            "W2": draw(n_hidden, vocab_size), "b2": draw(vocab_size)}
''', "generator"),
    ("mlp.forward", "tanh forgotten", '''
def forward(params, X):
    h = embed(params["C"], X) @ params["W1"] + params["b1"]
    return h @ params["W2"] + params["b2"]
''', "tanh"),
    ("mlp.cross_entropy", "overflows for large logits (no max subtracted)", '''
def cross_entropy(logits, Y):
    probs = logits.exp() / logits.exp().sum(1, keepdim=True)
    return -probs[torch.arange(len(Y)), Y].log().mean()
''', "max"),
    ("mlp.cross_entropy", "max subtracted, then the log of the softmax (underflows to log 0)", '''
def cross_entropy(logits, Y):
    shifted = logits - logits.max(1, keepdim=True).values
    probs = shifted.exp() / shifted.exp().sum(1, keepdim=True)
    return -probs[torch.arange(len(Y)), Y].log().mean()
''', "logzero"),
    ("mlp.cross_entropy", "normalised over the examples (dim 0)", '''
def cross_entropy(logits, Y):
    shifted = logits - logits.max(0, keepdim=True).values
    logp = shifted - shifted.exp().sum(0, keepdim=True).log()
    return -logp[torch.arange(len(Y)), Y].mean()
''', "dim"),
    ("mlp.cross_entropy", "summed instead of averaged", '''
def cross_entropy(logits, Y):
    shifted = logits - logits.max(1, keepdim=True).values
    logp = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -logp[torch.arange(len(Y)), Y].sum()
''', "mean"),
    ("mlp.train", "gradients never zeroed", '''
def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    losses = []
    for step in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        loss.backward()
        rate = lr(step) if callable(lr) else lr
        for p in params.values():
            p.data -= rate * p.grad
        losses.append(loss.item())
    return losses
''', "zero"),
    ("mlp.train", "lr schedule ignored (first value kept)", '''
def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    rate = lr(0) if callable(lr) else lr
    losses = []
    for step in range(steps):
        ix = torch.randint(0, len(X), (batch_size,), generator=generator)
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        for p in params.values():
            p.grad = None
        loss.backward()
        for p in params.values():
            p.data -= rate * p.grad
        losses.append(loss.item())
    return losses
''', "schedule"),
    ("mlp.train", "generator ignored", '''
def train(params, X, Y, steps, batch_size=32, lr=0.1, generator=None):
    losses = []
    for step in range(steps):
        ix = torch.randint(0, len(X), (batch_size,))
        loss = cross_entropy(forward(params, X[ix]), Y[ix])
        for p in params.values():
            p.grad = None
        loss.backward()
        rate = lr(step) if callable(lr) else lr
        for p in params.values():
            p.data -= rate * p.grad
        losses.append(loss.item())
    return losses
''', "generator"),
    ("mlp.evaluate", "builds a graph", '''
def evaluate(params, X, Y):
    return cross_entropy(forward(params, X), Y).item()
''', "nograd"),
    ("mlp.evaluate", "the loss tensor returned, graph and all", '''
def evaluate(params, X, Y):
    return cross_entropy(forward(params, X), Y)
''', "nograd"),
    ("mlp.build_dataset", "context newest-first: [ix] + context[:-1]", '''
def build_dataset(words, stoi, block_size=3):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = [ix] + context[:-1]
    return torch.tensor(X, dtype=torch.int64).view(-1, block_size), torch.tensor(Y, dtype=torch.int64)
''', "pad"),
]
