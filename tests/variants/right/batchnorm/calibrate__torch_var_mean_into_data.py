"""torch.var_mean into .data"""

def calibrate(bn, x):
    var, mean = torch.var_mean(x.detach(), dim=0, unbiased=True)
    bn.running_mean.data = mean.reshape(bn.running_mean.shape)
    bn.running_var.data = var.reshape(bn.running_var.shape)
