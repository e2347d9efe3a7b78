"""Common wrong versions of lecture 4's layers (see tests/wrong/__init__.py)."""

CASES = [
    ("layers.fixed_init_params", "lecture 3's N(0, 1) init, unchanged", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    shapes = [("C", (vocab_size, n_embd)), ("W1", (block_size * n_embd, n_hidden)), ("b1", (n_hidden,)),
              ("W2", (n_hidden, vocab_size)), ("b2", (vocab_size,))]
    return {k: torch.randn(s, generator=g).requires_grad_() for k, s in shapes}
''', "logits"),
    ("layers.fixed_init_params", "W2 set to zero", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    fan_in = block_size * n_embd
    p = {"C": torch.randn((vocab_size, n_embd), generator=g),
         "W1": torch.randn((fan_in, n_hidden), generator=g) / fan_in ** 0.5,
         "b1": torch.zeros(n_hidden), "W2": torch.zeros((n_hidden, vocab_size)), "b2": torch.zeros(vocab_size)}
    return {k: v.requires_grad_() for k, v in p.items()}
''', "zero"),
    ("layers.fixed_init_params", "output fixed, hidden layer still saturated", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    p = {"C": torch.randn((vocab_size, n_embd), generator=g),
         "W1": torch.randn((block_size * n_embd, n_hidden), generator=g),
         "b1": torch.randn(n_hidden, generator=g), "W2": torch.randn((n_hidden, vocab_size), generator=g) * 0.01,
         "b2": torch.zeros(vocab_size)}
    return {k: v.requires_grad_() for k, v in p.items()}
''', "saturation"),
    ("layers.fixed_init_params", "W1 scaled down to nothing", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    p = {"C": torch.randn((vocab_size, n_embd), generator=g),
         "W1": torch.randn((block_size * n_embd, n_hidden), generator=g) * 0.01,
         "b1": torch.zeros(n_hidden), "W2": torch.randn((n_hidden, vocab_size), generator=g) * 0.01,
         "b2": torch.zeros(vocab_size)}
    return {k: v.requires_grad_() for k, v in p.items()}
''', "dead"),
    ("layers.Linear", "weight divided by fan_in, not its square root", '''
class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight + (0 if self.bias is None else self.bias)
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])
''', "scale"),
    ("layers.Linear", "bias=False ignored", '''
class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in ** 0.5
        self.bias = torch.zeros(fan_out)

    def __call__(self, x):
        self.out = x @ self.weight + self.bias
        return self.out

    def parameters(self):
        return [self.weight, self.bias]
''', "bias"),
    ("layers.Linear", "the bias left out of the output", '''
class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in ** 0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])
''', "call"),
    ("layers.Tanh", "output not kept", '''
class Tanh:
    def __call__(self, x):
        return torch.tanh(x)

    def parameters(self):
        return []
''', "out"),
    ("layers.deep_mlp", "biases kept before BatchNorm", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, generator=g)] + ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, generator=g)] + ([BatchNorm1d(vocab_size)] if batchnorm else [])
    with torch.no_grad():
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
        for layer in [l for l in layers if isinstance(l, Linear)][:-1]:
            layer.weight *= gain
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
''', "bias"),
    ("layers.deep_mlp", "the last layer not made unsure", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, bias=not batchnorm, generator=g)]
        layers += ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []
    with torch.no_grad():
        for layer in [l for l in layers if isinstance(l, Linear)][:-1]:
            layer.weight *= gain
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
''', "last"),
    ("layers.deep_mlp", "gain ignored", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, bias=not batchnorm, generator=g)]
        layers += ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []
    with torch.no_grad():
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
''', "gain"),
    ("layers.fixed_init_params", "requires_grad=True at the draw, then scaled: not leaves", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    fan_in = block_size * n_embd
    C = torch.randn((vocab_size, n_embd), generator=g, requires_grad=True)
    W1 = torch.randn((fan_in, n_hidden), generator=g, requires_grad=True) / fan_in ** 0.5
    b1 = torch.randn(n_hidden, generator=g, requires_grad=True) * 0.01
    W2 = torch.randn((n_hidden, vocab_size), generator=g, requires_grad=True) * 0.01
    b2 = torch.zeros(vocab_size, requires_grad=True)
    return {"C": C, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
''', "leaf"),
    ("layers.deep_mlp", "last gamma rebound outside no_grad: not a leaf", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, bias=not batchnorm, generator=g)]
        layers += ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []
    with torch.no_grad():
        for layer in [l for l in layers if isinstance(l, Linear)][:-1]:
            layer.weight *= gain
        if not batchnorm:
            layers[-1].weight *= 0.1
    if batchnorm:
        layers[-1].gamma = layers[-1].gamma * 0.1        # gamma requires grad already: a new, non-leaf tensor
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
''', "leaf"),
    ("layers.deep_mlp", "gain applied to the output layer too", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, bias=not batchnorm, generator=g)]
        layers += ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []
    with torch.no_grad():
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
        for layer in [l for l in layers if isinstance(l, Linear)]:
            layer.weight *= gain
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
''', "gain"),
    ("layers.deep_mlp", "C drawn without the generator", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd))
    layers, fan_in = [], block_size * n_embd
    for _ in range(n_layers):
        layers += [Linear(fan_in, n_hidden, bias=not batchnorm, generator=g)]
        layers += ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]
        fan_in = n_hidden
    layers += [Linear(fan_in, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []
    with torch.no_grad():
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
        for layer in [l for l in layers if isinstance(l, Linear)][:-1]:
            layer.weight *= gain
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad_()
    return C, layers
''', "generator"),
]
