"""a 0-d float32 tensor"""

def kaiming_std(fan_in, nonlinearity="tanh"):
    return torch.tensor(float(gain(nonlinearity))) / torch.tensor(float(fan_in)).sqrt()
