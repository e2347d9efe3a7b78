"""the square root of gain**2 / fan_in"""

def kaiming_std(fan_in, nonlinearity="tanh"):
    return math.sqrt(gain(nonlinearity) ** 2 / fan_in)
