"""Correct versions of lecture 4's BatchNorm exercises in other styles (see tests/right/__init__.py)."""

CASES = [
    # ---------------------------------------------------------------- BatchNorm1d
    ("batchnorm.BatchNorm1d", "lecture style: keepdim statistics of shape (1, dim), biased variance", '''
class BatchNorm1d:

    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim, requires_grad=True)
        self.beta = torch.zeros(dim, requires_grad=True)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)                   # batch mean
            xvar = x.var(0, keepdim=True, unbiased=False)     # batch variance, divided by n
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)      # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        if self.training:
            n = x.shape[0]
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar * n / (n - 1)
        return self.out

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def parameters(self):
        return [self.gamma, self.beta]
'''),
    ("batchnorm.BatchNorm1d", "an nn.Module with nn.Parameter and registered buffers", '''
import torch.nn as nn

class BatchNorm1d(nn.Module):
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x):
        if self.training:
            var, mean = torch.var_mean(x, dim=0, correction=0)
            with torch.no_grad():
                n = x.shape[0]
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        return self.gamma * (x - mean) * torch.rsqrt(var + self.eps) + self.beta
'''),
    ("batchnorm.BatchNorm1d", "manual statistics, lerp_ for the running ones", '''
class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.gamma = torch.ones(dim).requires_grad_()
        self.beta = torch.zeros(dim).requires_grad_()
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)
        self.training = True

    def __call__(self, x):
        if not self.training:
            return self.gamma * (x - self.running_mean) / (self.running_var + self.eps) ** 0.5 + self.beta
        n = x.shape[0]
        mean = x.sum(0) / n
        centred = x - mean
        squares = (centred ** 2).sum(0)
        out = self.gamma * centred / (squares / n + self.eps) ** 0.5 + self.beta
        self.running_mean.lerp_(mean.detach(), self.momentum)
        self.running_var.lerp_(squares.detach() / (n - 1), self.momentum)
        return out

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def parameters(self):
        yield self.gamma
        yield self.beta
'''),
    # ---------------------------------------------------------------- calibrate
    ("batchnorm.calibrate", "lecture style: statistics under no_grad, assigned to the attributes", '''
def calibrate(bn, x):
    with torch.no_grad():
        bnmean = x.mean(0)
        bnvar = x.var(0)
    bn.running_mean = bnmean
    bn.running_var = bnvar
'''),
    ("batchnorm.calibrate", "numpy round trip, ddof=1", '''
import numpy as np

def calibrate(bn, x):
    a = x.detach().cpu().numpy().astype(np.float64)
    with torch.no_grad():
        bn.running_mean.copy_(torch.from_numpy(a.mean(axis=0)))
        bn.running_var.copy_(torch.from_numpy(a.var(axis=0, ddof=1)))
    return bn
'''),
    ("batchnorm.calibrate", "torch.var_mean into .data", '''
def calibrate(bn, x):
    var, mean = torch.var_mean(x.detach(), dim=0, unbiased=True)
    bn.running_mean.data = mean.reshape(bn.running_mean.shape)
    bn.running_var.data = var.reshape(bn.running_var.shape)
'''),
]
