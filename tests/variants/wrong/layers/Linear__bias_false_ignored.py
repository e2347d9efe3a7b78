"""bias=False ignored"""

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in ** 0.5
        self.bias = torch.zeros(fan_out)

    def __call__(self, x):
        self.out = x @ self.weight + self.bias
        return self.out

    def parameters(self):
        return [self.weight, self.bias]
