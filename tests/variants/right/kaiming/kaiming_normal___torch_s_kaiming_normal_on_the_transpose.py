"""torch's kaiming_normal_ on the transpose"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    # nn.init's fan_in of a 2-d tensor is its size(1): the transpose's is W.shape[0]
    torch.nn.init.kaiming_normal_(W.T, mode="fan_in", nonlinearity=nonlinearity, generator=generator)
    return W
