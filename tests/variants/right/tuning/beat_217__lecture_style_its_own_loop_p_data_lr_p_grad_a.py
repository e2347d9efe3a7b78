"""lecture style: its own loop, p.data += -lr * p.grad, a new dict of detached tensors"""

def beat_217(train_words, stoi, generator=None):
    Xtr, Ytr = mlp.build_dataset(train_words, stoi, 3)
    C = torch.randn((len(stoi), 16), generator=generator)
    W1 = torch.randn((48, 300), generator=generator)
    b1 = torch.randn(300, generator=generator)
    W2 = torch.randn((300, len(stoi)), generator=generator) * 0.1
    b2 = torch.randn(len(stoi), generator=generator) * 0
    parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    for i in range(6500):
        ix = torch.randint(0, Xtr.shape[0], (256,), generator=generator)
        emb = C[Xtr[ix]]
        h = torch.tanh(emb.view(-1, 48) @ W1 + b1)
        logits = h @ W2 + b2
        loss = mlp.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.5 if i < 4550 else 0.05
        for p in parameters:
            p.data += -lr * p.grad
    return {"C": C.detach(), "W1": W1.detach(), "b1": b1.detach(), "W2": W2.detach(), "b2": b2.detach()}
