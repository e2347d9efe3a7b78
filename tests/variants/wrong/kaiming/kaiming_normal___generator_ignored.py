"""generator ignored"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    with torch.no_grad():
        W.normal_(0.0, kaiming_std(W.shape[0], nonlinearity))
    return W
