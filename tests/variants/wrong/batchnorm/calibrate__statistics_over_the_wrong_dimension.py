"""statistics over the wrong dimension"""

def calibrate(bn, x):
    with torch.no_grad():
        bn.running_mean.copy_(x.mean(1).mean().expand_as(bn.running_mean))
        bn.running_var.copy_(x.var(1).mean().expand_as(bn.running_var))
