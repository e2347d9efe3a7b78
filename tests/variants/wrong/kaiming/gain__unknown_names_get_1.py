"""unknown names get 1"""

def gain(nonlinearity):
    return {"tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}.get(nonlinearity, 1.0)
