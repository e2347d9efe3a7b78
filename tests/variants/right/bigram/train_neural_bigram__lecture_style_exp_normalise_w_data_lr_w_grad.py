"""lecture style: exp, normalise, W.data += -lr * W.grad"""

def train_neural_bigram(xs, ys, vocab_size, steps=100, lr=50.0, reg=0.01, generator=None):
    W = torch.randn((vocab_size, vocab_size), generator=generator, requires_grad=True)
    num = xs.nelement()
    for k in range(steps):
        xenc = F.one_hot(xs, num_classes=vocab_size).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + reg * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
    return W
