"""lecture style: statistics under no_grad, assigned to the attributes"""

def calibrate(bn, x):
    with torch.no_grad():
        bnmean = x.mean(0)
        bnvar = x.var(0)
    bn.running_mean = bnmean
    bn.running_var = bnvar
