"""standard deviation stored as the variance"""

def calibrate(bn, x):
    with torch.no_grad():
        bn.running_mean.copy_(x.mean(0))
        bn.running_var.copy_(x.std(0))
