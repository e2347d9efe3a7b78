"""a new tensor instead of filling W"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    std = kaiming_std(W.shape[0], nonlinearity)
    return torch.randn(W.shape, generator=generator) * std
