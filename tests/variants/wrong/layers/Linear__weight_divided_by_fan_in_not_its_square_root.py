"""weight divided by fan_in, not its square root"""

class Linear:
    def __init__(self, fan_in, fan_out, bias=True, generator=None):
        self.weight = torch.randn((fan_in, fan_out), generator=generator) / fan_in
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight + (0 if self.bias is None else self.bias)
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])
