"""square root missing"""

def kaiming_std(fan_in, nonlinearity="tanh"):
    return gain(nonlinearity) / fan_in
