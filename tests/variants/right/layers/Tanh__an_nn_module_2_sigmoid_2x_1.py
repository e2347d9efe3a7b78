"""an nn.Module: 2 * sigmoid(2x) - 1"""

import torch.nn as nn

class Tanh(nn.Module):
    def forward(self, x):
        self.out = 2 * torch.sigmoid(2 * x) - 1
        return self.out
