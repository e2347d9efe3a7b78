"""tanh and ReLU gains swapped"""

def gain(nonlinearity):
    gains = {"linear": 1.0, "tanh": math.sqrt(2.0), "relu": 5.0 / 3.0}
    if nonlinearity not in gains:
        raise ValueError(nonlinearity)
    return gains[nonlinearity]
