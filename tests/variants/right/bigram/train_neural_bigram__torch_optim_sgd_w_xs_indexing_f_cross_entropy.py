"""torch.optim.SGD, W[xs] indexing, F.cross_entropy"""

def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn(vocab_size, vocab_size, generator=generator).requires_grad_()
    opt = torch.optim.SGD([W], lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(W[xs], ys) + reg * W.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return W.detach()
