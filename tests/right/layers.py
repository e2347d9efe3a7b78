"""Correct versions of lecture 4's layers in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- fixed_init_params
    ("layers.fixed_init_params", "lecture style: factors on each tensor, b2 = randn * 0", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (1.0 / (n_embd * block_size) ** 0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.01
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
    b2 = torch.randn(vocab_size, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    return {"C": C, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
'''),
    ("layers.fixed_init_params", "torch.nn.init with a generator, zero biases", '''
import math

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    init = torch.nn.init
    fan_in = block_size * n_embd
    p = {
        "C": init.normal_(torch.empty(vocab_size, n_embd), generator=generator),
        "W1": init.normal_(torch.empty(fan_in, n_hidden), std=1 / math.sqrt(fan_in), generator=generator),
        "b1": torch.zeros(n_hidden),
        "W2": init.normal_(torch.empty(n_hidden, vocab_size), std=1e-3, generator=generator),
        "b2": torch.zeros(vocab_size),
    }
    return {k: v.requires_grad_() for k, v in p.items()}
'''),
    ("layers.fixed_init_params", "uniform weights of the same spread (torch.rand)", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def uniform(shape, std):                      # U(-a, a) has std a / sqrt(3)
        a = std * 3 ** 0.5
        return (torch.rand(shape, generator=generator) * 2 - 1) * a
    fan_in = block_size * n_embd
    params = dict(C=torch.randn(vocab_size, n_embd, generator=generator),
                  W1=uniform((fan_in, n_hidden), fan_in ** -0.5),
                  b1=torch.zeros(n_hidden),
                  W2=uniform((n_hidden, vocab_size), 0.01),
                  b2=torch.zeros(vocab_size))
    for t in params.values():
        t.requires_grad_(True)
    return params
'''),
    ("layers.fixed_init_params", "the lecture's final init: W1 * (5/3) / sqrt(fan_in)", '''
def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5/3) / ((n_embd * block_size)**0.5)
    b1 = torch.randn(n_hidden, generator=g) * 0.01
    W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
    b2 = torch.randn(vocab_size, generator=g) * 0
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    return dict(zip(["C", "W1", "b1", "W2", "b2"], parameters))
'''),
    ("layers.fixed_init_params", "numpy draws seeded from the generator, converted to float32", '''
import numpy as np

def fixed_init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    rng = np.random.default_rng(seed)
    fan_in = block_size * n_embd
    arrays = {"C": rng.standard_normal((vocab_size, n_embd)),
              "W1": rng.standard_normal((fan_in, n_hidden)) / np.sqrt(fan_in),
              "b1": np.zeros(n_hidden),
              "W2": rng.standard_normal((n_hidden, vocab_size)) * 0.01,
              "b2": np.zeros(vocab_size)}
    return {k: torch.tensor(a, dtype=torch.float32, requires_grad=True) for k, a in arrays.items()}
'''),
    # ---------------------------------------------------------------- Linear
    ("layers.Linear", "F.linear, normal_ draw, parameters as a tuple", '''
import torch.nn.functional as F

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.empty(fan_in, fan_out).normal_(0.0, fan_in ** -0.5, generator=generator)
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = F.linear(x, self.weight.T, self.bias)
        return self.out

    def parameters(self):
        return (self.weight,) if self.bias is None else (self.weight, self.bias)
'''),
    ("layers.Linear", "torch.addmm, parameters() a generator", '''
import math

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn(fan_in, fan_out, generator=generator) * (1 / math.sqrt(fan_in))
        self.bias = None
        if bias:
            self.bias = torch.zeros(fan_out)

    def __call__(self, x):
        if self.bias is None:
            self.out = x @ self.weight
        else:
            self.out = torch.addmm(self.bias, x, self.weight)
        return self.out

    def parameters(self):
        yield self.weight
        if self.bias is not None:
            yield self.bias
'''),
    ("layers.Linear", "numpy draws seeded from the generator, einsum", '''
import numpy as np

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        w = np.random.default_rng(seed).standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        self.weight = torch.from_numpy(w).float()
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        y = torch.einsum("ni,io->no", x, self.weight)
        self.out = y if self.bias is None else y + self.bias
        return self.out

    def parameters(self):
        return [p for p in (self.weight, self.bias) if p is not None]
'''),
    ("layers.Linear", "an nn.Module with nn.Parameters (bias registered as None)", '''
import torch.nn as nn

class Linear(nn.Module):
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(fan_in, fan_out, generator=generator) / fan_in ** 0.5)
        if bias:
            self.bias = nn.Parameter(torch.zeros(fan_out))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out = self.out + self.bias
        return self.out

    def parameters(self):
        return list(super().parameters())
'''),
    # ---------------------------------------------------------------- Tanh
    ("layers.Tanh", "x.tanh(), parameters() an empty tuple", '''
class Tanh:
    def __call__(self, x):
        self.out = x.tanh()
        return self.out

    def parameters(self):
        return ()
'''),
    ("layers.Tanh", "from exp: 1 - 2 / (exp(2x) + 1)", '''
class Tanh:
    def __call__(self, x):
        self.out = 1 - 2 / (torch.exp(2 * x) + 1)
        return self.out

    def parameters(self):
        return []
'''),
    ("layers.Tanh", "an nn.Module: 2 * sigmoid(2x) - 1", '''
import torch.nn as nn

class Tanh(nn.Module):
    def forward(self, x):
        self.out = 2 * torch.sigmoid(2 * x) - 1
        return self.out
'''),
    # ---------------------------------------------------------------- deep_mlp
    ("layers.deep_mlp", "lecture style: the list written out, scaled under no_grad", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    g = generator
    C = torch.randn((vocab_size, n_embd), generator=g)
    layers = []
    for i in range(n_layers):
        layers += [Linear(n_embd * block_size if i == 0 else n_hidden, n_hidden, bias=not batchnorm, generator=g)]
        layers += [BatchNorm1d(n_hidden)] if batchnorm else []
        layers += [Tanh()]
    layers += [Linear(n_hidden, vocab_size, bias=not batchnorm, generator=g)]
    layers += [BatchNorm1d(vocab_size)] if batchnorm else []

    with torch.no_grad():
        # last layer: make less confident
        if batchnorm:
            layers[-1].gamma *= 0.1
        else:
            layers[-1].weight *= 0.1
        # all other layers: apply gain
        last_linear = max(i for i, layer in enumerate(layers) if isinstance(layer, Linear))
        for i, layer in enumerate(layers):
            if isinstance(layer, Linear) and i != last_linear:
                layer.weight *= gain

    parameters = [C] + [p for layer in layers for p in layer.parameters()]
    for p in parameters:
        p.requires_grad = True
    return C, layers
'''),
    ("layers.deep_mlp", "sum of blocks, the gain applied as each Linear is made", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    C = torch.randn(vocab_size, n_embd, generator=generator)

    def linear(fan_in, fan_out, scale):
        layer = Linear(fan_in, fan_out, bias=not batchnorm, generator=generator)
        layer.weight = layer.weight * scale
        return layer

    def block(fan_in):
        return [linear(fan_in, n_hidden, gain)] + ([BatchNorm1d(n_hidden)] if batchnorm else []) + [Tanh()]

    sizes = [block_size * n_embd] + [n_hidden] * (n_layers - 1)
    layers = sum((block(fan_in) for fan_in in sizes), [])
    if batchnorm:
        layers += [linear(n_hidden, vocab_size, 1.0), BatchNorm1d(vocab_size)]
        layers[-1].gamma.data.mul_(0.1)
    else:
        layers += [linear(n_hidden, vocab_size, 0.1)]
    C.requires_grad_()
    for layer in layers:
        for p in layer.parameters():
            p.requires_grad_()
    return C, layers
'''),
    ("layers.deep_mlp", "pairs of sizes with zip, returned as a list", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    C = torch.randn((vocab_size, n_embd), generator=generator).requires_grad_()
    dims = [block_size * n_embd] + [n_hidden] * n_layers + [vocab_size]
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(dims, dims[1:])):
        last = k == len(dims) - 2
        lin = Linear(fan_in, fan_out, bias=not batchnorm, generator=generator)
        with torch.no_grad():
            lin.weight.mul_(0.1 if last and not batchnorm else 1.0 if last else gain)
        layers.append(lin)
        if batchnorm:
            bn = BatchNorm1d(fan_out)
            if last:
                with torch.no_grad():
                    bn.gamma.mul_(0.1)
            layers.append(bn)
        if not last:
            layers.append(Tanh())
    for layer in layers:
        for p in layer.parameters():
            p.requires_grad_(True)
    return [C, layers]
'''),
    ("layers.deep_mlp", "scaled through .data after requires_grad (still leaves)", '''
def deep_mlp(vocab_size, block_size=3, n_embd=10, n_hidden=100, n_layers=5, batchnorm=True, gain=5 / 3,
             generator=None):
    C = torch.randn((vocab_size, n_embd), generator=generator)
    layers = []
    fan_in = block_size * n_embd
    for _ in range(n_layers):
        layers.append(Linear(fan_in, n_hidden, bias=not batchnorm, generator=generator))
        if batchnorm:
            layers.append(BatchNorm1d(n_hidden))
        layers.append(Tanh())
        fan_in = n_hidden
    layers.append(Linear(fan_in, vocab_size, bias=not batchnorm, generator=generator))
    if batchnorm:
        layers.append(BatchNorm1d(vocab_size))
    for p in [C] + [p for layer in layers for p in layer.parameters()]:
        p.requires_grad = True
    linears = [layer for layer in layers if isinstance(layer, Linear)]
    for layer in linears[:-1]:
        layer.weight.data *= gain                 # .data: in place, unrecorded
    if batchnorm:
        layers[-1].gamma.data *= 0.1
    else:
        linears[-1].weight.data *= 0.1
    return C, layers
'''),
]
