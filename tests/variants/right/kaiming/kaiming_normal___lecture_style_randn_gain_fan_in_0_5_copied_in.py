"""lecture style: randn * gain / fan_in**0.5, copied in"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    fan_in = W.shape[0]
    with torch.no_grad():
        W.copy_(torch.randn(W.shape, generator=generator) * gain(nonlinearity) / fan_in**0.5)
    return W
