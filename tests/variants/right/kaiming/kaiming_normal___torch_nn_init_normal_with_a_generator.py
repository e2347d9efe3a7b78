"""torch.nn.init.normal_ with a generator"""

def kaiming_normal_(W, nonlinearity="tanh", generator=None):
    return torch.nn.init.normal_(W, mean=0.0, std=kaiming_std(W.shape[0], nonlinearity), generator=generator)
