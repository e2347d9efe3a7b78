"""output not kept"""

class Tanh:
    def __call__(self, x):
        return torch.tanh(x)

    def parameters(self):
        return []
