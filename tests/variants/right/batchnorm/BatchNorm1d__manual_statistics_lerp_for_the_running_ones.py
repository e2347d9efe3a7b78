"""manual statistics, lerp_ for the running ones"""

class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.gamma = torch.ones(dim).requires_grad_()
        self.beta = torch.zeros(dim).requires_grad_()
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)
        self.training = True

    def __call__(self, x):
        if not self.training:
            return self.gamma * (x - self.running_mean) / (self.running_var + self.eps) ** 0.5 + self.beta
        n = x.shape[0]
        mean = x.sum(0) / n
        centred = x - mean
        squares = (centred ** 2).sum(0)
        out = self.gamma * centred / (squares / n + self.eps) ** 0.5 + self.beta
        self.running_mean.lerp_(mean.detach(), self.momentum)
        self.running_var.lerp_(squares.detach() / (n - 1), self.momentum)
        return out

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def parameters(self):
        yield self.gamma
        yield self.beta
