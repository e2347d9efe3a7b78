"""filled outside no_grad"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    W.normal_(0.0, kaiming_std(W.shape[0], nonlinearity), generator=generator)
    return W
