"""from exp: 1 - 2 / (exp(2x) + 1)"""

class Tanh:
    def __call__(self, x):
        self.out = 1 - 2 / (torch.exp(2 * x) + 1)
        return self.out

    def parameters(self):
        return []
