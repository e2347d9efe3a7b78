"""generator ignored"""

def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), requires_grad=True)
    xenc = F.one_hot(xs, num_classes=vocab_size).float()
    for _ in range(steps):
        loss = F.cross_entropy(xenc @ W, ys) + reg * (W ** 2).mean()
        W.grad = None
        loss.backward()
        W.data -= lr * W.grad
    return W.detach()
