"""fan_in ** -0.5"""

def kaiming_std(fan_in, nonlinearity="tanh"):
    return gain(nonlinearity) * fan_in ** -0.5
