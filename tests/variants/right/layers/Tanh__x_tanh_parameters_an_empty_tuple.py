"""x.tanh(), parameters() an empty tuple"""

class Tanh:
    def __call__(self, x):
        self.out = x.tanh()
        return self.out

    def parameters(self):
        return ()
