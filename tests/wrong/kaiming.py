"""Common wrong versions of lecture 4's initialisation exercises (see tests/wrong/__init__.py)."""

CASES = [
    ("kaiming.gain", "tanh and ReLU gains swapped", '''
def gain(nonlinearity):
    gains = {"linear": 1.0, "tanh": math.sqrt(2.0), "relu": 5.0 / 3.0}
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]
''', "values"),
    ("kaiming.gain", "unknown names get 1", '''
def gain(nonlinearity):
    return {"tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}.get(nonlinearity, 1.0)
''', "unknown"),
    ("kaiming.kaiming_std", "square root missing", '''
def kaiming_std(fan_in, nonlinearity="tanh"):
    return gain(nonlinearity) / fan_in
''', "sqrt"),
    ("kaiming.kaiming_std", "ReLU by default", '''
def kaiming_std(fan_in, nonlinearity="relu"):
    return gain(nonlinearity) / math.sqrt(fan_in)
''', "default"),
    ("kaiming.kaiming_normal_", "fan_out used for fan_in", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    with torch.no_grad():
        W.normal_(0.0, kaiming_std(W.shape[1], nonlinearity), generator=generator)
    return W
''', "fan_in"),
    ("kaiming.kaiming_normal_", "a new tensor instead of filling W", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    std = kaiming_std(W.shape[0], nonlinearity)
    return torch.randn(W.shape, generator=generator) * std
''', "inplace"),
    ("kaiming.kaiming_normal_", "filled outside no_grad", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    W.normal_(0.0, kaiming_std(W.shape[0], nonlinearity), generator=generator)
    return W
''', "nograd"),
    ("kaiming.kaiming_normal_", "uniform instead of normal", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    bound = math.sqrt(3.0) * kaiming_std(W.shape[0], nonlinearity)   # the same std, but uniform
    with torch.no_grad():
        W.uniform_(-bound, bound, generator=generator)
    return W
''', "std"),
    ("kaiming.kaiming_normal_", "generator ignored", '''
def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    with torch.no_grad():
        W.normal_(0.0, kaiming_std(W.shape[0], nonlinearity))
    return W
''', "generator"),
    ("kaiming.expected_initial_loss", "log10 instead of ln", '''
def expected_initial_loss(vocab_size):
    return math.log10(vocab_size)
''', "natural"),
    ("kaiming.expected_initial_loss", "sign forgotten", '''
def expected_initial_loss(vocab_size):
    return math.log(1.0 / vocab_size)
''', "uniform"),
]
