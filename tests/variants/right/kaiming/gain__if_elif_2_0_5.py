"""if / elif, 2 ** 0.5"""

def gain(nonlinearity):
    if nonlinearity == "linear":
        return 1
    elif nonlinearity == "tanh":
        return 5 / 3
    elif nonlinearity == "relu":
        return 2 ** 0.5
    else:
        raise ValueError(f"unknown nonlinearity {nonlinearity}")
