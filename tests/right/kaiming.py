"""Correct versions of lecture 4's initialisation exercises in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- gain
    ("kaiming.gain", "if / elif, 2 ** 0.5", '''
def gain(nonlinearity):
    if nonlinearity == "linear":
        return 1
    elif nonlinearity == "tanh":
        return 5 / 3
    elif nonlinearity == "relu":
        return 2 ** 0.5
    else:
        raise ValueError(f"unknown nonlinearity {nonlinearity}")
'''),
    ("kaiming.gain", "torch.nn.init.calculate_gain behind a check of the name", '''
def gain(nonlinearity):
    if nonlinearity not in ("linear", "tanh", "relu"):
        raise ValueError(f"{nonlinearity!r} has no gain here")
    return torch.nn.init.calculate_gain(nonlinearity)
'''),
    ("kaiming.gain", "match statement, 0-d tensors", '''
def gain(nonlinearity):
    match nonlinearity:
        case "linear":
            return torch.tensor(1.0)
        case "tanh":
            return torch.tensor(5.0) / 3
        case "relu":
            return torch.tensor(2.0).sqrt()
    raise ValueError("nonlinearity must be 'linear', 'tanh' or 'relu'")
'''),
    ("kaiming.gain", "numpy's sqrt", '''
import numpy as np

def gain(nonlinearity):
    table = {"linear": 1.0, "tanh": 5.0 / 3.0, "relu": np.sqrt(2.0)}
    try:
        return table[nonlinearity]
    except KeyError:
        raise ValueError(nonlinearity) from None
'''),
    # ---------------------------------------------------------------- kaiming_std
    ("kaiming.kaiming_std", "fan_in ** -0.5", '''
def kaiming_std(fan_in, nonlinearity="tanh"):
    return gain(nonlinearity) * fan_in ** -0.5
'''),
    ("kaiming.kaiming_std", "the square root of gain**2 / fan_in", '''
def kaiming_std(fan_in, nonlinearity="tanh"):
    return math.sqrt(gain(nonlinearity) ** 2 / fan_in)
'''),
    ("kaiming.kaiming_std", "a 0-d float32 tensor", '''
def kaiming_std(fan_in, nonlinearity="tanh"):
    return torch.tensor(float(gain(nonlinearity))) / torch.tensor(float(fan_in)).sqrt()
'''),
    # ---------------------------------------------------------------- kaiming_normal_
    ("kaiming.kaiming_normal_", "torch.nn.init.normal_ with a generator", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    return torch.nn.init.normal_(W, mean=0.0, std=kaiming_std(W.shape[0], nonlinearity), generator=generator)
'''),
    ("kaiming.kaiming_normal_", "lecture style: randn * gain / fan_in**0.5, copied in", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    fan_in = W.shape[0]
    with torch.no_grad():
        W.copy_(torch.randn(W.shape, generator=generator) * gain(nonlinearity) / fan_in**0.5)
    return W
'''),
    ("kaiming.kaiming_normal_", "torch's kaiming_normal_ on the transpose", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    # nn.init's fan_in of a 2-d tensor is its size(1): the transpose's is W.shape[0]
    torch.nn.init.kaiming_normal_(W.T, mode="fan_in", nonlinearity=nonlinearity, generator=generator)
    return W
'''),
    ("kaiming.kaiming_normal_", "numpy draws seeded from the generator, W.data", '''
import numpy as np

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    draws = np.random.default_rng(seed).normal(0.0, kaiming_std(W.shape[0], nonlinearity), size=tuple(W.shape))
    W.data.copy_(torch.from_numpy(draws))
    return W
'''),
    # ---------------------------------------------------------------- expected_initial_loss
    ("kaiming.expected_initial_loss", "math.log(V)", '''
def expected_initial_loss(vocab_size):
    return math.log(vocab_size)
'''),
    ("kaiming.expected_initial_loss", "a 0-d tensor: -torch.tensor(1 / V).log()", '''
def expected_initial_loss(vocab_size):
    return -torch.tensor(1.0 / vocab_size).log()
'''),
    ("kaiming.expected_initial_loss", "the cross-entropy of equal logits", '''
import torch.nn.functional as F

def expected_initial_loss(vocab_size):
    logits = torch.zeros(1, vocab_size, dtype=torch.float64)
    return F.cross_entropy(logits, torch.tensor([0])).item()
'''),
    ("kaiming.expected_initial_loss", "numpy's log", '''
import numpy as np

def expected_initial_loss(vocab_size):
    return -np.log(1 / vocab_size)
'''),
]
