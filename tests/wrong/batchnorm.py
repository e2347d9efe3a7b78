"""Common wrong versions of lecture 4's BatchNorm exercises (see tests/wrong/__init__.py).

Each BatchNorm1d case is the whole class with one mistake planted, made from a correct one by
replacing one line: a later class statement of the same name replaces the reference class.
"""

RIGHT = '''
class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps, self.momentum, self.training = eps, momentum, True
        self.gamma = torch.ones(dim, requires_grad=True)
        self.beta = torch.zeros(dim, requires_grad=True)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=False)
            with torch.no_grad():
                n = x.shape[0]
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        return self.gamma * (x - mean) / torch.sqrt(var + self.eps) + self.beta

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def parameters(self):
        return [self.gamma, self.beta]
'''


def planted(old: str, new: str) -> str:
    """RIGHT with one piece replaced (checked to be there, so a case cannot silently be right)."""
    assert old in RIGHT, old
    return RIGHT.replace(old, new)


# the lecture notebook's class: unbiased x.var(0) to normalise, running variance from the same
NOTEBOOK_VARIANCE = planted("x.var(0, unbiased=False)", "x.var(0)").replace(" * var * n / (n - 1)", " * var")

# running statistics updated on every call, eval included (normalising with the running ones)
UPDATES_IN_EVAL = planted('''        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=False)
            with torch.no_grad():''', '''        bmean, bvar = x.mean(0), x.var(0, unbiased=False)
        mean, var = bmean, bvar
        if True:
            with torch.no_grad():''').replace(
    "self.momentum * mean\n", "self.momentum * bmean\n").replace(
    "self.momentum * var * n", "self.momentum * bvar * n").replace(
    '''        else:
            mean, var = self.running_mean, self.running_var''', '''        if not self.training:
            mean, var = self.running_mean, self.running_var''')

CASES = [
    ("batchnorm.BatchNorm1d", "unbiased variance used to normalise (the lecture's notebook)", NOTEBOOK_VARIANCE,
     "biased"),
    ("batchnorm.BatchNorm1d", "batch statistics used in eval",
     planted("        if self.training:\n", "        if True:\n"), "eval"),
    ("batchnorm.BatchNorm1d", "running statistics changed in eval", UPDATES_IN_EVAL, "untouched"),
    ("batchnorm.BatchNorm1d", "momentum applied the wrong way round",
     planted("(1 - self.momentum) * self.running_mean + self.momentum * mean",
             "self.momentum * self.running_mean + (1 - self.momentum) * mean"), "momentum"),
    ("batchnorm.BatchNorm1d", "running statistics carry a graph",
     planted("            with torch.no_grad():\n", "            if True:\n"), "nograd"),
    ("batchnorm.BatchNorm1d", "eps added outside the square root",
     planted("torch.sqrt(var + self.eps)", "(torch.sqrt(var) + self.eps)"), "eps"),
    ("batchnorm.BatchNorm1d", "running variance from the biased variance",
     planted(" * var * n / (n - 1)", " * var"), "running_unbiased"),
    ("batchnorm.BatchNorm1d", "gamma and beta left out",
     planted("return self.gamma * (x - mean) / torch.sqrt(var + self.eps) + self.beta",
             "return (x - mean) / torch.sqrt(var + self.eps)"), "affine"),
    ("batchnorm.BatchNorm1d", "eval() does not switch the mode",
     planted("        self.training = False\n", "        self.training = True\n"), "modes"),
    ("batchnorm.calibrate", "statistics over the wrong dimension", '''
def calibrate(bn, x):
    with torch.no_grad():
        bn.running_mean.copy_(x.mean(1).mean().expand_as(bn.running_mean))
        bn.running_var.copy_(x.var(1).mean().expand_as(bn.running_var))
''', "stats"),
    ("batchnorm.calibrate", "standard deviation stored as the variance", '''
def calibrate(bn, x):
    with torch.no_grad():
        bn.running_mean.copy_(x.mean(0))
        bn.running_var.copy_(x.std(0))
''', "stats"),
    ("batchnorm.calibrate", "calibrate right, but BatchNorm1d's eval mode uses the batch's statistics",
     planted("            mean, var = self.running_mean, self.running_var",
             "            mean, var = x.mean(0), x.var(0, unbiased=False)"), "batchnorm.BatchNorm1d:eval"),
]
