"""running statistics changed in eval"""

class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps, self.momentum, self.training = eps, momentum, True
        self.gamma = torch.ones(dim, requires_grad=True)
        self.beta = torch.zeros(dim, requires_grad=True)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        bmean, bvar = x.mean(0), x.var(0, unbiased=False)
        mean, var = bmean, bvar
        if True:
            with torch.no_grad():
                n = x.shape[0]
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * bmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * bvar * n / (n - 1)
        if not self.training:
            mean, var = self.running_mean, self.running_var
        return self.gamma * (x - mean) / torch.sqrt(var + self.eps) + self.beta

    def train(self):
        self.training = True
        return self

    def eval(self):
        self.training = False
        return self

    def parameters(self):
        return [self.gamma, self.beta]
