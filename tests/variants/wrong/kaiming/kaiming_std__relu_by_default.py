"""ReLU by default"""

def kaiming_std(fan_in, nonlinearity="relu"):
    return gain(nonlinearity) / math.sqrt(fan_in)
