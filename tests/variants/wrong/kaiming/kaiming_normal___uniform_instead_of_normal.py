"""uniform instead of normal"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    bound = math.sqrt(3.0) * kaiming_std(W.shape[0], nonlinearity)   # the same std, but uniform
    with torch.no_grad():
        W.uniform_(-bound, bound, generator=generator)
    return W
