"""numpy's sqrt"""

import numpy as np

def gain(nonlinearity):
    table = {"linear": 1.0, "tanh": 5.0 / 3.0, "relu": np.sqrt(2.0)}
    try:
        return table[nonlinearity]
    except KeyError:
        raise ValueError(nonlinearity) from None
